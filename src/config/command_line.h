#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/setting_table.h"
#include "config/settings.h"

namespace cryptometrics::config {

// A command's name and its one line in --help.
struct CommandSpec {
  std::string_view name;
  Command command;
  std::string_view help;
};

// Every command, `run` first: it is the default.
std::span<const CommandSpec> command_table();

// A setting given as a flag.
struct FlagValue {
  const SettingSpec* setting;
  std::string value;
};

// What the arguments say, not yet checked against the settings' rules.
struct CommandLine {
  Action action = Action::proceed;
  Command command = Command::run;
  std::optional<std::string> env_file;  // --env-file
  std::vector<FlagValue> values;        // in the order given; later ones win
};

// Reads argv without argv[0]. --help and --version end the reading where they appear.
// Throws ConfigError naming the flag for an unknown flag or a flag without its value, and naming
// "command" for an unknown command or an extra argument. Values never appear in messages.
CommandLine parse_command_line(const std::vector<std::string>& args);

}  // namespace cryptometrics::config
