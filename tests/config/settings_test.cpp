#include "config/settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "config/load_fixture.h"

namespace cryptometrics::config {
namespace {

using SettingsTest = LoadTest;

TEST_F(SettingsTest, NothingConfiguredGivesTheDefaults) {
  const auto loaded = load({}, {});

  EXPECT_EQ(loaded.action, Action::proceed);
  expect_same_settings(loaded.settings, Settings{});
  EXPECT_EQ(loaded.settings.kafka_topic, "crypto_prices");
  EXPECT_EQ(loaded.settings.http_port, 8080);
  EXPECT_EQ(loaded.settings.pairs, (std::vector<std::string>{"BTC-USD", "ETH-USD", "LTC-USD"}));
  EXPECT_FALSE(loaded.settings.postgres);
  EXPECT_TRUE(loaded.settings.embedded_kafka());
  EXPECT_TRUE(loaded.settings.simulator_enabled());
}

// The dotenv convention: .env fills in what the environment does not set.
TEST_F(SettingsTest, EnvironmentOverridesEnvFileAndFlagsOverrideBoth) {
  write_file(".env", "KAFKA_TOPIC=from_file\nHTTP_PORT=2000\nDB_NAME=file_db\nPAIRS=SOL-USD\n");
  const Environment environment = {{"KAFKA_TOPIC", "from_environment"},
                                   {"HTTP_PORT", "1000"},
                                   {"LOG_LEVEL", "debug"},
                                   {"SMA_WINDOW", "7"},
                                   {"DB_HOST", "db.local"},
                                   {"DB_NAME", "environment_db"}};

  const auto settings =
      load({"--kafka-topic", "from_flag", "--db-name=flag_db"}, environment).settings;

  EXPECT_EQ(settings.kafka_topic, "from_flag");
  EXPECT_EQ(settings.http_port, 1000);
  EXPECT_EQ(settings.pairs, std::vector<std::string>{"SOL-USD"});
  EXPECT_EQ(settings.log_level, "debug");
  EXPECT_EQ(settings.sma_window, 7u);
  ASSERT_TRUE(settings.postgres);
  EXPECT_EQ(settings.postgres->host, "db.local");
  EXPECT_EQ(settings.postgres->name, "flag_db");
}

TEST_F(SettingsTest, FlagTakesItsValueAsNextArgumentOrAfterEquals) {
  const auto settings =
      load({"--kafka-group-id", "separate", "--sqlite-path=/data/metrics.db"}, {}).settings;

  EXPECT_EQ(settings.kafka_group_id, "separate");
  EXPECT_EQ(settings.sqlite_path, "/data/metrics.db");
}

TEST_F(SettingsTest, EqualsFormKeepsEqualsSignsInTheValue) {
  const auto settings = load({"--database-url=host=db dbname=metrics"}, {}).settings;

  ASSERT_TRUE(settings.postgres);
  EXPECT_EQ(settings.postgres->database_url, "host=db dbname=metrics");
}

TEST_F(SettingsTest, LaterFlagWins) {
  const auto settings = load({"--http-port", "1", "--http-port=2"}, {}).settings;

  EXPECT_EQ(settings.http_port, 2);
}

TEST_F(SettingsTest, RateFlagSetsSimulatorRate) {
  EXPECT_EQ(load({"--rate", "500"}, {}).settings.simulator_rate, 500u);
  EXPECT_EQ(load({}, {{"SIMULATOR_RATE", "250"}}).settings.simulator_rate, 250u);
}

TEST_F(SettingsTest, FetchWaitIsShortWithTheEmbeddedBrokerUnlessSet) {
  using namespace std::chrono_literals;
  EXPECT_EQ(load({}, {}).settings.fetch_wait(), 1ms);
  EXPECT_EQ(load({}, {{"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"}}).settings.fetch_wait(), 100ms);
  EXPECT_EQ(load({"--kafka-fetch-wait-ms", "20"}, {{"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"}})
                .settings.fetch_wait(),
            20ms);
  EXPECT_EQ(load({}, {{"KAFKA_FETCH_WAIT_MS", "5"}}).settings.fetch_wait(), 5ms);
}

// Empty is a value like any other: set later, it unsets what an earlier source set.
TEST_F(SettingsTest, EmptyValueFallsBackToTheDefault) {
  write_file(".env", "DB_HOST=db.local\nHTTP_PORT=9000\nKAFKA_TOPIC=other\n");

  const auto settings = load({"--kafka-topic="}, {{"DB_HOST", ""}, {"HTTP_PORT", ""}}).settings;

  EXPECT_FALSE(settings.postgres);
  EXPECT_EQ(settings.http_port, 8080);
  EXPECT_EQ(settings.kafka_topic, "crypto_prices");
}

TEST_F(SettingsTest, ReadsDotEnvInTheWorkingDirectory) {
  write_file(".env", "KAFKA_TOPIC=from_dot_env\n");

  EXPECT_EQ(load({}, {}).settings.kafka_topic, "from_dot_env");
}

TEST_F(SettingsTest, EnvFileFlagReplacesDotEnv) {
  write_file(".env", "KAFKA_TOPIC=from_dot_env\nLOG_LEVEL=debug\n");
  const auto other = write_file("other.env", "KAFKA_TOPIC=from_other\n");

  const auto separate = load({"--env-file", other.string()}, {}).settings;
  const auto joined = load({"--env-file=" + other.string()}, {}).settings;

  EXPECT_EQ(separate.kafka_topic, "from_other");
  EXPECT_EQ(separate.log_level, "info");
  EXPECT_EQ(joined.kafka_topic, "from_other");
}

TEST_F(SettingsTest, MissingEnvFileIsAnError) {
  const auto error = error_of({"--env-file", (directory_ / "absent.env").string()});

  EXPECT_EQ(error.setting(), "--env-file");
  EXPECT_NE(std::string(error.what()).find("absent.env"), std::string::npos);
}

TEST_F(SettingsTest, UnknownKeysInEnvFileAreIgnored) {
  write_file(".env", "COMPOSE_PROJECT_NAME=other_tool\nKAFKA_TOPIC=mine\n");

  EXPECT_EQ(load({}, {}).settings.kafka_topic, "mine");
}

TEST_F(SettingsTest, MalformedEnvFileLineNamesFileAndLine) {
  write_file(".env", "KAFKA_TOPIC=fine\n# comment\nnot an assignment\n");

  const auto error = error_of({});

  EXPECT_EQ(error.setting(), ".env");
  EXPECT_NE(std::string(error.what()).find("line 3"), std::string::npos);
}

TEST_F(SettingsTest, ErrorSaysWhereTheBadValueCameFrom) {
  write_file(".env", "# ports\nHTTP_PORT=eighty\n");

  const auto from_file = error_of({});
  const auto from_flag = error_of({"--http-port", "0"});

  EXPECT_NE(std::string(from_file.what()).find(".env line 2"), std::string::npos);
  EXPECT_NE(std::string(from_file.what()).find("eighty"), std::string::npos);
  EXPECT_NE(std::string(from_flag.what()).find("--http-port"), std::string::npos);
}

TEST_F(SettingsTest, DbHostTurnsOnPostgres) {
  const auto settings = load({}, {{"DB_HOST", "db.local"},
                                  {"DB_PORT", "6543"},
                                  {"DB_USER", "metrics"},
                                  {"DB_PASSWORD", "secret"}})
                            .settings;

  ASSERT_TRUE(settings.postgres);
  EXPECT_EQ(settings.postgres->host, "db.local");
  EXPECT_EQ(settings.postgres->port, 6543);
  EXPECT_EQ(settings.postgres->name, "crypto_metrics");
  EXPECT_EQ(settings.postgres->user, "metrics");
  EXPECT_EQ(settings.postgres->password, "secret");
}

TEST_F(SettingsTest, DatabaseUrlTurnsOnPostgres) {
  const auto settings =
      load({}, {{"DATABASE_URL", "postgresql://metrics@db.local/crypto"}}).settings;

  ASSERT_TRUE(settings.postgres);
  EXPECT_EQ(settings.postgres->database_url, "postgresql://metrics@db.local/crypto");
}

TEST_F(SettingsTest, DbPartsWithoutHostLeavePostgresOff) {
  EXPECT_FALSE(load({}, {{"DB_NAME", "x"}, {"DB_PASSWORD", "y"}}).settings.postgres);
}

TEST_F(SettingsTest, SimulatorRunsByDefaultOnlyWithTheEmbeddedBroker) {
  const Environment real_cluster = {{"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"}};
  Environment forced_on = real_cluster;
  forced_on["SIMULATOR"] = "on";

  EXPECT_TRUE(load({}, {}).settings.simulator_enabled());
  EXPECT_FALSE(load({}, real_cluster).settings.simulator_enabled());
  EXPECT_TRUE(load({}, forced_on).settings.simulator_enabled());
  EXPECT_FALSE(load({"--simulator", "off"}, {}).settings.simulator_enabled());
}

TEST_F(SettingsTest, FeedChoosesTheQuoteSourceAndWinsOverSimulator) {
  EXPECT_EQ(load({}, {{"FEED", "coinbase"}}).settings.quote_source(), FeedSource::coinbase);
  EXPECT_EQ(load({}, {{"FEED", "None"}}).settings.quote_source(), FeedSource::none);
  EXPECT_EQ(load({"--feed", "simulator"}, {{"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"}})
                .settings.quote_source(),
            FeedSource::simulator);
  EXPECT_EQ(load({}, {{"FEED", "coinbase"}, {"SIMULATOR", "on"}}).settings.quote_source(),
            FeedSource::coinbase);
  EXPECT_FALSE(load({}, {{"FEED", "coinbase"}}).settings.simulator_enabled());
}

TEST_F(SettingsTest, WithoutFeedTheSimulatorSettingStillDecides) {
  EXPECT_EQ(load({}, {}).settings.quote_source(), FeedSource::simulator);
  EXPECT_EQ(load({}, {{"SIMULATOR", "off"}}).settings.quote_source(), FeedSource::none);
  EXPECT_EQ(load({}, {{"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"}}).settings.quote_source(),
            FeedSource::none);
}

TEST(ProcessEnvironment, ContainsTheProcessVariables) {
  ::setenv("CRYPTO_METRICS_CONFIG_TEST", "a=b", 1);

  const auto environment = process_environment();

  ASSERT_TRUE(environment.contains("CRYPTO_METRICS_CONFIG_TEST"));
  EXPECT_EQ(environment.at("CRYPTO_METRICS_CONFIG_TEST"), "a=b");
  ::unsetenv("CRYPTO_METRICS_CONFIG_TEST");
}

}  // namespace
}  // namespace cryptometrics::config
