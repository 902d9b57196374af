#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "config/env_file.h"
#include "config/setting_table.h"
#include "config/settings.h"
#include "fuzz/fuzz_inputs.h"

namespace cryptometrics::config {
namespace {

// The fuzz target's seed corpus and past findings (tests/fuzz/regressions/env_file/, each
// explained in its README) in the normal build: every file parses, or is refused with a
// ConfigError naming it, and every known key's value is accepted or refused with a reason.
TEST(EnvFileCorpus, EveryFuzzInputParsesOrFailsWithConfigError) {
  const auto inputs = fuzz::fuzz_inputs("env_file");
  ASSERT_FALSE(inputs.empty()) << "no seed corpus under tests/fuzz/corpus/env_file";
  for (const auto& path : inputs) {
    SCOPED_TRACE(path.string());
    try {
      Draft draft;
      for (const auto& entry : read_env_file(path)) {
        const auto* setting = find_setting_by_variable(entry.key);
        if (setting != nullptr && !entry.value.empty()) {
          const auto problem = setting->apply(entry.value, draft);
          EXPECT_TRUE(!problem || !problem->empty()) << entry.key;
        }
      }
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
    } catch (const std::exception& error) {
      ADD_FAILURE() << "not a ConfigError: " << error.what();
    }
  }
}

}  // namespace
}  // namespace cryptometrics::config
