#include "config/env_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>

#include "config/settings.h"

namespace cryptometrics::config {
namespace {

constexpr std::string_view blanks = " \t";

std::string_view trim_left(std::string_view text) {
  const auto first = text.find_first_not_of(blanks);
  return first == std::string_view::npos ? std::string_view{} : text.substr(first);
}

std::string_view trim(std::string_view text) {
  text = trim_left(text);
  return text.substr(0, text.find_last_not_of(blanks) + 1);
}

bool is_key(std::string_view key) {
  const auto word_character = [](unsigned char c) { return std::isalnum(c) || c == '_'; };
  return !key.empty() && !std::isdigit(static_cast<unsigned char>(key.front())) &&
         std::ranges::all_of(key, word_character);
}

// A location and a reason only: the line itself may hold a password.
[[noreturn]] void malformed(const std::string& file, int line, std::string_view reason) {
  throw ConfigError(file, "line " + std::to_string(line) + ": " + std::string(reason));
}

void expect_end_or_comment(std::string_view rest, const std::string& file, int line) {
  rest = trim_left(rest);
  if (!rest.empty() && rest.front() != '#') {
    malformed(file, line, "unexpected text after the closing quote");
  }
}

std::string unescape(char escaped) {
  switch (escaped) {
    case 'n':
      return "\n";
    case 't':
      return "\t";
    case 'r':
      return "\r";
    case '\\':
    case '"':
      return std::string(1, escaped);
    default:
      return std::string{'\\', escaped};
  }
}

std::string double_quoted(std::string_view text, const std::string& file, int line) {
  std::string value;
  for (std::size_t at = 1; at < text.size(); ++at) {
    if (text[at] == '"') {
      expect_end_or_comment(text.substr(at + 1), file, line);
      return value;
    }
    if (text[at] == '\\' && at + 1 < text.size()) {
      value += unescape(text[++at]);
    } else {
      value += text[at];
    }
  }
  malformed(file, line, "missing closing \"");
}

// `text` is everything after the '='.
std::string parse_value(std::string_view text, const std::string& file, int line) {
  const auto value = trim_left(text);
  if (value.starts_with('\'')) {
    const auto close = value.find('\'', 1);
    if (close == std::string_view::npos) {
      malformed(file, line, "missing closing '");
    }
    expect_end_or_comment(value.substr(close + 1), file, line);
    return std::string(value.substr(1, close - 1));
  }
  if (value.starts_with('"')) {
    return double_quoted(value, file, line);
  }
  // As in shells and other .env readers, '#' starts a comment only after whitespace, so that
  // "KEY=a#b" keeps its '#', and so does "KEY=#b": right after the '=' is not after whitespace.
  for (std::size_t at = 1; at < text.size(); ++at) {
    if (text[at] == '#' && blanks.find(text[at - 1]) != std::string_view::npos) {
      text = text.substr(0, at);
      break;
    }
  }
  return std::string(trim(text));
}

std::optional<EnvFileEntry> parse_line(std::string_view text, int line, const std::string& file) {
  if (text.ends_with('\r')) {
    text.remove_suffix(1);
  }
  text = trim(text);
  if (text.empty() || text.front() == '#') {
    return std::nullopt;
  }
  if (text.starts_with("export") && text.size() > 6 && blanks.find(text[6]) != text.npos) {
    text = trim_left(text.substr(6));
  }
  const auto key_end = text.find_first_of("= \t");
  if (key_end == std::string_view::npos) {
    malformed(file, line, "expected KEY=VALUE");
  }
  const auto key = text.substr(0, key_end);
  if (!is_key(key)) {
    malformed(file, line, "a key is letters, digits and '_', not starting with a digit");
  }
  const auto rest = trim_left(text.substr(key_end));
  if (!rest.starts_with('=')) {
    malformed(file, line, "expected KEY=VALUE");
  }
  return EnvFileEntry{std::string(key), parse_value(rest.substr(1), file, line), line};
}

}  // namespace

std::vector<EnvFileEntry> parse_env_text(std::string_view text, const std::string& file) {
  std::vector<EnvFileEntry> entries;
  int line = 1;
  for (std::size_t start = 0; start < text.size(); ++line) {
    const auto end = std::min(text.find('\n', start), text.size());
    if (auto entry = parse_line(text.substr(start, end - start), line, file)) {
      entries.push_back(std::move(*entry));
    }
    start = end + 1;
  }
  return entries;
}

std::vector<EnvFileEntry> read_env_file(const std::filesystem::path& path) {
  const auto file = path.string();
  if (std::filesystem::is_directory(path)) {
    throw ConfigError(file, "is a directory, not a .env file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(file, std::string("cannot be read: ") + std::strerror(errno));
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    throw ConfigError(file, "reading failed");
  }
  return parse_env_text(text, file);
}

}  // namespace cryptometrics::config
