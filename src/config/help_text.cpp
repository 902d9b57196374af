#include <algorithm>
#include <optional>
#include <string_view>

#include "config/command_line.h"
#include "config/setting_table.h"
#include "config/settings.h"

namespace cryptometrics::config {
namespace {

constexpr std::size_t width = 100;

// `text` as lines of at most `width` columns, each starting with `indent`.
std::string wrapped(std::string_view text, std::string_view indent) {
  std::string lines;
  std::string line(indent);
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      lines += line + "\n";
      line = indent;
    }
    line += (line.size() > indent.size() ? " " : "") + std::string(word);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  return lines + line + "\n";
}

std::string padded(std::string_view text, std::size_t size) {
  std::string result(text);
  result.resize(std::max(size, text.size()), ' ');
  return result;
}

std::string commands_section() {
  std::size_t name_width = 0;
  for (const auto& command : command_table()) {
    name_width = std::max(name_width, command.name.size());
  }
  std::string text = "Commands:\n";
  for (const auto& command : command_table()) {
    text += "  " + padded(command.name, name_width + 2) + std::string(command.help) + "\n";
  }
  return text;
}

std::string settings_section() {
  std::string text =
      "Settings: each is a flag (--flag VALUE or --flag=VALUE), an environment variable and a\n"
      "line of the .env file.\n";
  std::optional<SettingGroup> group;
  for (const auto& setting : setting_table()) {
    if (setting.group != group) {
      group = setting.group;
      text += "\n" + std::string(group_title(setting.group)) + ":\n";
    }
    const std::string default_text =
        setting.default_text.empty() ? "unset" : std::string(setting.default_text);
    text += "  " + std::string(setting.flag) + ", " + std::string(setting.variable) +
            " (default: " + default_text + ")\n";
    text += wrapped(setting.help, "      ");
  }
  return text;
}

}  // namespace

std::string help_text() {
  return "Usage: crypto-metrics [COMMAND] [OPTIONS]\n"
         "\n"
         "Turns crypto bid/ask quotes from a Kafka topic into live and stored per-pair metrics.\n"
         "\n" +
         commands_section() +
         "\n"
         "Options:\n"
         "  --env-file PATH  read settings from PATH (which must exist) instead of ./.env\n"
         "  -h, --help       show this help, then exit\n"
         "  -V, --version    show the version, then exit\n"
         "\n" +
         settings_section() +
         "\n"
         "Precedence: the .env file, then the environment, then the flags; later wins, so the\n"
         "file fills in what the environment does not set. An empty value means unset: the\n"
         "default applies. A bad value stops start-up with exit code 2.\n";
}

}  // namespace cryptometrics::config
