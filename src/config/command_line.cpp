#include "config/command_line.h"

#include <algorithm>
#include <array>

namespace cryptometrics::config {
namespace {

constexpr std::array commands = {
    CommandSpec{"run", Command::run,
                "consume quotes, keep per-pair metrics, store and serve them over HTTP (default)"},
    CommandSpec{"simulate", Command::simulate,
                "produce simulated quotes to the topic, nothing else"},
    CommandSpec{"feed", Command::feed,
                "produce the Coinbase Exchange ticker feed of PAIRS to the topic, nothing else"},
    CommandSpec{"migrate", Command::migrate, "apply the database migrations, then exit"},
    CommandSpec{
        "kafka-dev", Command::kafka_dev,
        "run an embedded Kafka broker alone, print its address (SIGUSR1: down, SIGUSR2: up)"},
};

constexpr std::string_view env_file_flag = "--env-file";

bool is_help(std::string_view flag) { return flag == "--help" || flag == "-h"; }

bool is_version(std::string_view flag) { return flag == "--version" || flag == "-V"; }

Command command_named(const std::string& name) {
  const auto found = std::ranges::find(commands, name, &CommandSpec::name);
  if (found == commands.end()) {
    throw ConfigError("command", "unknown command \"" + name +
                                     "\"; expected run, simulate, feed, migrate or kafka-dev");
  }
  return found->command;
}

}  // namespace

std::span<const CommandSpec> command_table() { return commands; }

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine command_line;
  bool command_given = false;
  for (std::size_t at = 0; at < args.size(); ++at) {
    const std::string& arg = args[at];
    if (is_help(arg)) {
      command_line.action = Action::show_help;
      return command_line;
    }
    if (is_version(arg)) {
      command_line.action = Action::show_version;
      return command_line;
    }
    if (!arg.starts_with('-') || arg == "-") {
      if (command_given) {
        throw ConfigError("command", "unexpected argument \"" + arg + "\" after the command");
      }
      command_line.command = command_named(arg);
      command_given = true;
      continue;
    }

    const auto equals = arg.find('=');
    const std::string flag = arg.substr(0, equals);
    if (is_help(flag) || is_version(flag)) {
      throw ConfigError(flag, "takes no value");
    }
    const SettingSpec* setting = find_setting_by_flag(flag);
    if (setting == nullptr && flag != env_file_flag) {
      throw ConfigError(flag, "unknown flag; see --help");
    }
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (at + 1 < args.size() && !args[at + 1].starts_with("--")) {
      value = args[++at];
    } else {
      throw ConfigError(flag, "needs a value: " + flag + " VALUE or " + flag + "=VALUE");
    }
    if (setting != nullptr) {
      command_line.values.push_back({setting, std::move(value)});
    } else {
      command_line.env_file = std::move(value);
    }
  }
  return command_line;
}

}  // namespace cryptometrics::config
