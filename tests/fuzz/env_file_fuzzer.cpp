#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/env_file.h"
#include "config/setting_table.h"
#include "config/settings.h"

// Parses the input as a .env file, then checks every known key's value as start-up does (which
// takes an empty value as unset). A ConfigError is the expected answer to bad input; anything else
// escaping is a finding.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cryptometrics::config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Draft draft;
    for (const auto& entry : parse_env_text(text, "fuzz.env")) {
      const auto* setting = find_setting_by_variable(entry.key);
      if (setting != nullptr && !entry.value.empty()) {
        static_cast<void>(setting->apply(entry.value, draft));
      }
    }
  } catch (const ConfigError&) {
  }
  return 0;
}
