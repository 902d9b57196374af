#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/env_file.h"
#include "config/load_fixture.h"
#include "config/setting_table.h"
#include "config/settings.h"

namespace cryptometrics::config {
namespace {

const std::filesystem::path env_example =
    std::filesystem::path(CRYPTO_METRICS_SOURCE_ROOT) / ".env.example";

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

TEST(EnvExample, ListsEverySettingOnceWithItsDefault) {
  const auto lines = lines_of(env_example);
  ASSERT_FALSE(lines.empty()) << env_example;

  for (const auto& setting : setting_table()) {
    // A setting unset by default is shown commented out, with an example value.
    const auto expected = setting.default_text.empty() ? "# " + std::string(setting.variable) + "="
                                                       : std::string(setting.variable) + "=" +
                                                             std::string(setting.default_text);
    const auto matches = std::ranges::count_if(lines, [&](const std::string& line) {
      return setting.default_text.empty() ? line.starts_with(expected) : line == expected;
    });

    EXPECT_EQ(matches, 1) << expected;
  }
}

TEST(EnvExample, AssignsOnlyKnownSettings) {
  for (const auto& entry : read_env_file(env_example)) {
    EXPECT_NE(find_setting_by_variable(entry.key), nullptr) << entry.key;
  }
}

using EnvExampleLoadTest = LoadTest;

TEST_F(EnvExampleLoadTest, LoadingItGivesTheDefaults) {
  const auto loaded = load({"--env-file", env_example.string()}, {});

  expect_same_settings(loaded.settings, Settings{});
  EXPECT_FALSE(loaded.settings.postgres);
}

}  // namespace
}  // namespace cryptometrics::config
