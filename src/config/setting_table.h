#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/settings.h"

namespace cryptometrics::config {

// Settings being assembled. The PostgreSQL parts are collected whether or not PostgreSQL ends up
// in use; that is decided once every value is in.
struct Draft {
  Settings settings;
  PostgresSettings postgres;
};

// Why a value was refused, phrased as what is allowed ("must be an integer from 1 to 65535");
// nullopt when the value was accepted and applied.
using Problem = std::optional<std::string>;

enum class SettingGroup { kafka, storage, http, simulator, feed, metrics, logging };

// One setting: its names, its documentation, and how a value is checked and applied. The table of
// these drives the environment, the .env file, the flags, --help and .env.example alike.
struct SettingSpec {
  std::string_view variable;      // "KAFKA_TOPIC"
  std::string_view flag;          // "--kafka-topic"
  std::string_view default_text;  // empty: unset unless given
  SettingGroup group;
  std::string_view help;
  bool secret;  // its value never appears in a message
  Problem (*apply)(std::string_view value, Draft& draft);
};

// Every setting, grouped, in the order of --help and .env.example.
std::span<const SettingSpec> setting_table();

// The setting with this environment variable name, or nullptr.
const SettingSpec* find_setting_by_variable(std::string_view variable);

// The setting with this flag ("--kafka-topic"), or nullptr.
const SettingSpec* find_setting_by_flag(std::string_view flag);

// "Kafka", "Storage", ...: a heading for --help and .env.example.
std::string_view group_title(SettingGroup group);

}  // namespace cryptometrics::config
