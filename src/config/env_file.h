#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cryptometrics::config {

// One KEY=VALUE line of a .env file, with its 1-based line number.
struct EnvFileEntry {
  std::string key;
  std::string value;
  int line = 0;
};

// The assignments in the text of a .env file, in file order. Accepts KEY=VALUE, export KEY=VALUE,
// '#' comments (whole lines, or after whitespace in an unquoted value), blank lines, and values in
// single quotes (literal) or double quotes (with \\, \", \n, \t, \r escapes).
// Throws ConfigError naming `file`, and the line when one is malformed; the message never quotes
// the line, which may hold a password.
std::vector<EnvFileEntry> parse_env_text(std::string_view text, const std::string& file);

// parse_env_text() on the file at `path`; also throws ConfigError when it cannot be read.
std::vector<EnvFileEntry> read_env_file(const std::filesystem::path& path);

}  // namespace cryptometrics::config
