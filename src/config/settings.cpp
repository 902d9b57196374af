#include "config/settings.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include "config/command_line.h"
#include "config/env_file.h"
#include "config/setting_table.h"

namespace cryptometrics::config {
namespace {

// A setting's text and where it came from, so that an error can point at the culprit.
struct GivenValue {
  std::string value;
  std::string source;  // "the environment", ".env line 3", "--http-port"
};

using GivenValues = std::map<std::string_view, GivenValue>;

bool exists(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

std::optional<std::filesystem::path> env_file_to_read(const CommandLine& command_line) {
  if (command_line.env_file) {
    if (!exists(*command_line.env_file)) {
      throw ConfigError("--env-file", "\"" + *command_line.env_file + "\" does not exist");
    }
    return *command_line.env_file;
  }
  if (exists(".env")) {
    return ".env";
  }
  return std::nullopt;
}

// Later sources overwrite earlier ones: the .env file, then the environment, then flags. The
// file fills in what the environment does not set, as in every dotenv reader (python-dotenv,
// which the proof of concept used, does not override), so that `HTTP_PORT=9090 crypto-metrics`
// serves on 9090 whatever a copied .env.example says.
GivenValues gather(const CommandLine& command_line,
                   const std::map<std::string, std::string>& environment) {
  GivenValues given;
  if (const auto path = env_file_to_read(command_line)) {
    // Unknown keys are skipped: the file may hold other tools' settings too.
    for (auto& entry : read_env_file(*path)) {
      if (const auto* setting = find_setting_by_variable(entry.key)) {
        given[setting->variable] = {std::move(entry.value),
                                    path->string() + " line " + std::to_string(entry.line)};
      }
    }
  }
  for (const auto& setting : setting_table()) {
    const auto found = environment.find(std::string(setting.variable));
    if (found != environment.end()) {
      given[setting.variable] = {found->second, "the environment"};
    }
  }
  for (const auto& flag : command_line.values) {
    given[flag.setting->variable] = {flag.value, std::string(flag.setting->flag)};
  }
  return given;
}

// An empty value means unset, so that DB_HOST= in the environment leaves PostgreSQL off whatever
// the .env file says.
void apply(const SettingSpec& setting, const GivenValues& given, Draft& draft) {
  const auto found = given.find(setting.variable);
  const bool is_given = found != given.end() && !found->second.value.empty();
  const std::string_view text = is_given ? found->second.value : setting.default_text;
  if (text.empty()) {
    return;
  }
  const auto problem = setting.apply(text, draft);
  if (!problem) {
    return;
  }
  const std::string source = is_given ? found->second.source : "the default";
  const std::string shown = setting.secret ? "the value from " + source + " is not shown"
                                           : "got \"" + std::string(text) + "\" from " + source;
  throw ConfigError(std::string(setting.variable), *problem + "; " + shown);
}

}  // namespace

ConfigError::ConfigError(std::string setting, const std::string& message)
    : std::runtime_error(setting + ": " + message), setting_(std::move(setting)) {}

std::chrono::milliseconds Settings::fetch_wait() const {
  using namespace std::chrono_literals;
  return kafka_fetch_wait.value_or(embedded_kafka() ? 1ms : 100ms);
}

std::string Settings::instance() const {
  if (!instance_id.empty()) return instance_id;
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    return "crypto-metrics-" + std::to_string(http_port);
  }
  return std::string{host.data()} + "-" + std::to_string(http_port);
}

FeedSource Settings::quote_source() const {
  if (feed) return *feed;
  const bool simulating = simulator == SimulatorMode::on ||
                          (simulator == SimulatorMode::automatic && embedded_kafka());
  return simulating ? FeedSource::simulator : FeedSource::none;
}

Loaded load(const std::vector<std::string>& args,
            const std::map<std::string, std::string>& environment) {
  const auto command_line = parse_command_line(args);
  Loaded loaded;
  loaded.action = command_line.action;
  if (loaded.action != Action::proceed) {
    return loaded;
  }

  const auto given = gather(command_line, environment);
  Draft draft;
  draft.settings.command = command_line.command;
  for (const auto& setting : setting_table()) {
    apply(setting, given, draft);
  }
  if (!draft.postgres.host.empty() || !draft.postgres.database_url.empty()) {
    draft.settings.postgres = std::move(draft.postgres);
  }
  loaded.settings = std::move(draft.settings);
  return loaded;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string_view::npos) {
      environment.emplace(std::string(text.substr(0, equals)),
                          std::string(text.substr(equals + 1)));
    }
  }
  return environment;
}

}  // namespace cryptometrics::config
