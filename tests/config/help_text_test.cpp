#include <gtest/gtest.h>

#include <string>

#include "config/load_fixture.h"
#include "config/setting_table.h"
#include "config/settings.h"

namespace cryptometrics::config {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(HelpText, ListsUsageCommandsAndOptions) {
  const auto help = help_text();

  EXPECT_TRUE(help.starts_with("Usage: crypto-metrics"));
  for (const auto command : {"run", "simulate", "feed", "migrate", "kafka-dev"}) {
    EXPECT_TRUE(contains(help, std::string("\n  ") + command + " ")) << command;
  }
  for (const auto option : {"--env-file PATH", "-h, --help", "-V, --version"}) {
    EXPECT_TRUE(contains(help, option)) << option;
  }
}

TEST(HelpText, ListsEverySettingWithFlagVariableAndDefault) {
  const auto help = help_text();

  for (const auto& setting : setting_table()) {
    const std::string default_text =
        setting.default_text.empty() ? "unset" : std::string(setting.default_text);
    const std::string line = std::string(setting.flag) + ", " + std::string(setting.variable) +
                             " (default: " + default_text + ")";

    EXPECT_TRUE(contains(help, line)) << line;
  }
}

TEST(HelpText, StatesPrecedenceAndTheEmbeddedBrokerLimit) {
  const auto help = help_text();

  EXPECT_TRUE(contains(help, "the .env file, then the environment, then the flags; later wins"));
  EXPECT_TRUE(contains(help, "about 5 MiB per partition"));
}

TEST(HelpText, FitsInOneHundredColumns) {
  const auto help = help_text();

  std::size_t line_start = 0;
  for (auto end = help.find('\n'); end != std::string::npos; end = help.find('\n', line_start)) {
    EXPECT_LE(end - line_start, 100u) << help.substr(line_start, end - line_start);
    line_start = end + 1;
  }
}

using HelpTextLoadTest = LoadTest;

TEST_F(HelpTextLoadTest, HelpNeverShowsConfiguredPasswords) {
  write_file(".env", "DB_PASSWORD=hunter2-in-file\n");
  const Environment environment = {{"DB_PASSWORD", "hunter2-in-env"},
                                   {"DATABASE_URL", "postgresql://u:hunter2-in-url@db/m"}};

  const auto loaded = load({"--db-password=hunter2-in-flag", "--help"}, environment);

  EXPECT_EQ(loaded.action, Action::show_help);
  EXPECT_FALSE(contains(help_text(), "hunter2"));
}

}  // namespace
}  // namespace cryptometrics::config
