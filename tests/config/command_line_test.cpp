#include <gtest/gtest.h>

#include <string>

#include "config/load_fixture.h"
#include "config/settings.h"

namespace cryptometrics::config {
namespace {

using CommandLineTest = LoadTest;

TEST_F(CommandLineTest, RunIsTheDefaultCommand) {
  EXPECT_EQ(load({}, {}).settings.command, Command::run);
}

TEST_F(CommandLineTest, FirstPositionalArgumentIsTheCommand) {
  EXPECT_EQ(load({"run"}, {}).settings.command, Command::run);
  EXPECT_EQ(load({"simulate"}, {}).settings.command, Command::simulate);
  EXPECT_EQ(load({"migrate"}, {}).settings.command, Command::migrate);
  EXPECT_EQ(load({"kafka-dev"}, {}).settings.command, Command::kafka_dev);
  EXPECT_EQ(load({"feed"}, {}).settings.command, Command::feed);
}

TEST_F(CommandLineTest, CommandMayFollowFlags) {
  const auto settings = load({"--log-level", "debug", "simulate", "--rate=5"}, {}).settings;

  EXPECT_EQ(settings.command, Command::simulate);
  EXPECT_EQ(settings.log_level, "debug");
  EXPECT_EQ(settings.simulator_rate, 5u);
}

TEST_F(CommandLineTest, RejectsUnknownCommand) {
  const auto error = error_of({"serve"});

  EXPECT_EQ(error.setting(), "command");
  EXPECT_NE(std::string(error.what()).find("serve"), std::string::npos);
}

TEST_F(CommandLineTest, RejectsSecondCommand) {
  EXPECT_EQ(error_of({"run", "migrate"}).setting(), "command");
}

TEST_F(CommandLineTest, RejectsUnknownFlagNamingIt) {
  EXPECT_EQ(error_of({"--kafka-tpoic", "x"}).setting(), "--kafka-tpoic");
  EXPECT_EQ(error_of({"--kafka-tpoic=x"}).setting(), "--kafka-tpoic");
  EXPECT_EQ(error_of({"-x"}).setting(), "-x");
  EXPECT_EQ(error_of({"--simulator-rate", "5"}).setting(), "--simulator-rate");
}

TEST_F(CommandLineTest, RejectsFlagWithoutValueNamingIt) {
  EXPECT_EQ(error_of({"--kafka-topic"}).setting(), "--kafka-topic");
  EXPECT_EQ(error_of({"--kafka-topic", "--http-port", "1"}).setting(), "--kafka-topic");
  EXPECT_EQ(error_of({"--env-file"}).setting(), "--env-file");
}

TEST_F(CommandLineTest, HelpFlagsAskForHelp) {
  EXPECT_EQ(load({"--help"}, {}).action, Action::show_help);
  EXPECT_EQ(load({"-h"}, {}).action, Action::show_help);
  EXPECT_EQ(load({"migrate", "--help"}, {}).action, Action::show_help);
}

TEST_F(CommandLineTest, VersionFlagsAskForVersion) {
  EXPECT_EQ(load({"--version"}, {}).action, Action::show_version);
  EXPECT_EQ(load({"-V"}, {}).action, Action::show_version);
}

TEST_F(CommandLineTest, HelpWorksDespiteBadSettings) {
  write_file(".env", "this line is broken\n");

  EXPECT_EQ(load({"--help"}, {{"HTTP_PORT", "not a port"}}).action, Action::show_help);
}

TEST_F(CommandLineTest, RejectsValueForHelp) {
  EXPECT_EQ(error_of({"--help=yes"}).setting(), "--help");
}

}  // namespace
}  // namespace cryptometrics::config
