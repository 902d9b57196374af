#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/load_fixture.h"
#include "config/settings.h"

namespace cryptometrics::config {
namespace {

using ValidationTest = LoadTest;

struct BadValue {
  std::string variable;
  std::string value;
};

TEST_F(ValidationTest, RejectsEachBadValueNamingItsVariable) {
  const std::vector<BadValue> bad_values = {
      {"HTTP_PORT", "0"},
      {"HTTP_PORT", "65536"},
      {"HTTP_PORT", "80x"},
      {"HTTP_PORT", " 80"},
      {"HTTP_PORT", "-1"},
      {"HTTP_PORT", "0x50"},
      {"HTTP_PORT", "99999999999999999999"},
      {"DB_PORT", "70000"},
      {"DB_PORT", "postgres"},
      {"SMA_WINDOW", "0"},
      {"FEED", "binance"},
      {"COINBASE_WS_URL", "https://ws-feed.exchange.coinbase.com"},
      {"COINBASE_WS_URL", "wss://"},
      {"COINBASE_WS_URL", "wss://host:0/"},
      {"COINBASE_WS_URL", "wss://bad host/"},
      {"TLS_CA_FILE", "/no/such/ca.pem"},
      {"SMA_WINDOW", "10001"},
      {"SIMULATOR_INTERVAL_MS", "0"},
      {"SIMULATOR_INTERVAL_MS", "3600001"},
      {"SIMULATOR_RATE", "-1"},
      {"SIMULATOR_RATE", "1000001"},
      {"SIMULATOR_RATE", "1.5"},
      {"SIMULATOR", "maybe"},
      {"KAFKA_FETCH_WAIT_MS", "0"},
      {"KAFKA_FETCH_WAIT_MS", "10001"},
      {"LOG_LEVEL", "verbose"},
      {"PAIRS", "BTCUSD"},
      {"PAIRS", "BTC-USD,,ETH-USD"},
      {"PAIRS", "BTC-USD,"},
      {"PAIRS", ","},
      {"PAIRS", " "},
      {"PAIRS", "BTC-USD,btc-usd"},
      {"KAFKA_TOPIC", "bad topic"},
      {"KAFKA_TOPIC", "prices/btc"},
      {"KAFKA_TOPIC", ".."},
      {"KAFKA_TOPIC", std::string(250, 't')},
      {"HTTP_HOST", "example.com"},
      {"HTTP_HOST", "300.1.1.1"},
      {"KAFKA_BOOTSTRAP_SERVERS", "localhost"},
      {"KAFKA_BOOTSTRAP_SERVERS", "localhost:0"},
      {"KAFKA_BOOTSTRAP_SERVERS", "kafka1:9092,"},
      {"KAFKA_BOOTSTRAP_SERVERS", ":9092"},
      {"KAFKA_BOOTSTRAP_SERVERS", "[::1:9092"},
      {"KAFKA_BOOTSTRAP_SERVERS", "bad host:9092"},
      {"DATABASE_URL", "mysql://user@db/metrics"},
      {"DATABASE_URL", "just some text"},
      {"DATABASE_URL", "postgresql://u@h:notaport/db"},
      {"DATABASE_URL", "postgresql://u@h:0/db"},
      {"DATABASE_URL", "postgresql://u@h:65536/db"},
      {"DATABASE_URL", "postgresql://u@h/db?sslmode=sometimes"},
      {"DATABASE_URL", "postgresql://u@h/db?bad_option=1"},
      {"DATABASE_URL", "postgresql://u@h/%zz"},
      {"DATABASE_URL", "host=db port=80x"},
      {"DATABASE_URL", "host=a,b,c port=1,2"},
      {"DATABASE_URL", "host=db connect_timeout=soon"},
      {"DATABASE_URL", "host=db dbname='unterminated"},
  };

  for (const auto& [variable, value] : bad_values) {
    SCOPED_TRACE(variable + "=" + value);

    const auto error = error_of({}, {{variable, value}});

    EXPECT_EQ(error.setting(), variable);
    EXPECT_TRUE(std::string(error.what()).starts_with(variable + ": ")) << error.what();
  }
}

TEST_F(ValidationTest, MessageSaysWhatIsAllowed) {
  const auto port = error_of({}, {{"HTTP_PORT", "0"}});
  const auto level = error_of({}, {{"LOG_LEVEL", "loud"}});

  EXPECT_NE(std::string(port.what()).find("from 1 to 65535"), std::string::npos) << port.what();
  EXPECT_NE(std::string(level.what()).find("trace, debug, info"), std::string::npos)
      << level.what();
}

TEST_F(ValidationTest, AcceptsBoundaryNumbers) {
  const auto low = load({}, {{"HTTP_PORT", "1"},
                             {"DB_PORT", "1"},
                             {"SMA_WINDOW", "1"},
                             {"SIMULATOR_INTERVAL_MS", "1"},
                             {"SIMULATOR_RATE", "0"}})
                       .settings;
  const auto high = load({}, {{"HTTP_PORT", "65535"},
                              {"DB_HOST", "db"},
                              {"DB_PORT", "65535"},
                              {"SMA_WINDOW", "10000"},
                              {"SIMULATOR_INTERVAL_MS", "3600000"},
                              {"SIMULATOR_RATE", "1000000"}})
                        .settings;

  EXPECT_EQ(low.http_port, 1);
  EXPECT_EQ(low.sma_window, 1u);
  EXPECT_EQ(low.simulator_interval, std::chrono::milliseconds(1));
  EXPECT_EQ(low.simulator_rate, 0u);
  EXPECT_EQ(high.http_port, 65535);
  ASSERT_TRUE(high.postgres);
  EXPECT_EQ(high.postgres->port, 65535);
  EXPECT_EQ(high.sma_window, 10000u);
  EXPECT_EQ(high.simulator_interval, std::chrono::milliseconds(3'600'000));
  EXPECT_EQ(high.simulator_rate, 1'000'000u);
}

TEST_F(ValidationTest, SimulatorAcceptsSwitchWords) {
  for (const std::string word : {"on", "ON", "true", "1", "yes"}) {
    EXPECT_EQ(load({}, {{"SIMULATOR", word}}).settings.simulator, SimulatorMode::on) << word;
  }
  for (const std::string word : {"off", "Off", "false", "0", "no"}) {
    EXPECT_EQ(load({}, {{"SIMULATOR", word}}).settings.simulator, SimulatorMode::off) << word;
  }
  EXPECT_EQ(load({"--simulator=auto"}, {{"SIMULATOR", "on"}}).settings.simulator,
            SimulatorMode::automatic);
}

TEST_F(ValidationTest, CoinbaseUrlIsReadIntoHostPortAndTarget) {
  const auto plain = load({}, {}).settings.coinbase_endpoint;
  const auto local =
      load({}, {{"COINBASE_WS_URL", "wss://127.0.0.1:8443/feed"}}).settings.coinbase_endpoint;
  const auto ipv6 = load({"--coinbase-ws-url", "WSS://[::1]"}, {}).settings.coinbase_endpoint;

  EXPECT_EQ(plain.host, "ws-feed.exchange.coinbase.com");
  EXPECT_EQ(plain.port, 443);
  EXPECT_EQ(plain.target, "/");
  EXPECT_EQ(local.host, "127.0.0.1");
  EXPECT_EQ(local.port, 8443);
  EXPECT_EQ(local.target, "/feed");
  EXPECT_EQ(ipv6.host, "::1");
  EXPECT_EQ(ipv6.port, 443);
}

TEST_F(ValidationTest, TlsCaFileMustExist) {
  const auto path = write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n");

  EXPECT_EQ(load({}, {{"TLS_CA_FILE", path.string()}}).settings.tls_ca_file, path.string());
}

TEST_F(ValidationTest, LogLevelIsStoredInLowerCase) {
  EXPECT_EQ(load({}, {{"LOG_LEVEL", "WARN"}}).settings.log_level, "warn");
  EXPECT_EQ(load({}, {{"LOG_LEVEL", "off"}}).settings.log_level, "off");
}

TEST_F(ValidationTest, PairsAreStoredCanonical) {
  const auto settings = load({"--pairs", "btc-usd, Eth-Eur ,SOL-USDT"}, {}).settings;

  EXPECT_EQ(settings.pairs, (std::vector<std::string>{"BTC-USD", "ETH-EUR", "SOL-USDT"}));
}

TEST_F(ValidationTest, DuplicatePairIsNamed) {
  const auto error = error_of({"--pairs", "BTC-USD,ETH-USD,btc-usd"});

  EXPECT_EQ(error.setting(), "PAIRS");
  EXPECT_NE(std::string(error.what()).find("BTC-USD appears twice"), std::string::npos)
      << error.what();
}

TEST_F(ValidationTest, HttpHostAcceptsAddressesAndLocalhost) {
  EXPECT_EQ(load({"--http-host", "localhost"}, {}).settings.http_host, "127.0.0.1");
  EXPECT_EQ(load({"--http-host", "0.0.0.0"}, {}).settings.http_host, "0.0.0.0");
  EXPECT_EQ(load({"--http-host", "::1"}, {}).settings.http_host, "::1");
}

TEST_F(ValidationTest, BootstrapServersAcceptHostPortLists) {
  EXPECT_EQ(load({}, {{"KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"}}).settings.kafka_bootstrap_servers,
            "kafka:9092");
  EXPECT_EQ(load({}, {{"KAFKA_BOOTSTRAP_SERVERS", " k1.example.com:9092 , 10.0.0.2:9093"}})
                .settings.kafka_bootstrap_servers,
            "k1.example.com:9092,10.0.0.2:9093");
  EXPECT_EQ(load({}, {{"KAFKA_BOOTSTRAP_SERVERS", "[::1]:9092"}}).settings.kafka_bootstrap_servers,
            "[::1]:9092");
}

TEST_F(ValidationTest, DatabaseUrlAcceptsWhatLibpqConnectsWith) {
  for (const std::string url :
       {"postgres://db/metrics", "postgresql://u:p@db:5433/metrics", "host=db dbname=metrics",
        "  dbname = metrics", "postgresql://a:5432,b:5433/metrics?sslmode=verify-full",
        "postgresql:///metrics?host=/var/run/postgresql", "host=a,b port=5432"}) {
    const auto settings = load({}, {{"DATABASE_URL", url}}).settings;
    ASSERT_TRUE(settings.postgres) << url;
    EXPECT_EQ(settings.postgres->database_url, url);
  }
}

TEST_F(ValidationTest, DatabaseUrlMessageSaysWhatIsWrong) {
  const auto port = error_of({}, {{"DATABASE_URL", "postgresql://u@h:notaport/db"}});
  const auto mode = error_of({}, {{"DATABASE_URL", "host=db sslmode=sometimes"}});
  const auto scheme = error_of({}, {{"DATABASE_URL", "mysql://u@h/db"}});

  EXPECT_NE(std::string(port.what()).find("port must be a number from 1 to 65535"),
            std::string::npos)
      << port.what();
  EXPECT_NE(std::string(mode.what()).find("sslmode must be one of disable, allow"),
            std::string::npos)
      << mode.what();
  EXPECT_NE(std::string(scheme.what()).find("postgresql://"), std::string::npos) << scheme.what();
}

TEST_F(ValidationTest, NoErrorRevealsAPassword) {
  write_file("broken.env", "DB_PASSWORD=\"hunter2-in-file\n");
  const Environment secrets = {{"DB_HOST", "db"},
                               {"DB_PASSWORD", "hunter2-in-env"},
                               {"DATABASE_URL", "postgresql://user:hunter2-in-url@db/metrics"}};
  Environment bad_port = secrets;
  bad_port["HTTP_PORT"] = "none";

  const std::vector<ConfigError> errors = {
      error_of({}, bad_port),
      error_of({}, {{"DATABASE_URL", "mysql://user:hunter2-in-url@db/metrics"}}),
      error_of({}, {{"DATABASE_URL", "postgresql://user:hunter2-in-url@db:x/metrics"}}),
      error_of({}, {{"DATABASE_URL", "postgresql://user:hunter2%zz@db/metrics"}}),
      error_of({}, {{"DATABASE_URL", "password=hunter2-in-key port=hunter2-in-port"}}),
      error_of({}, {{"DATABASE_URL", "password='hunter2-in-key sslmode=hunter2-in-mode"}}),
      error_of({"--database-url=mysql://user:hunter2-in-flag@db/metrics"}),
      error_of({"--env-file", (directory_ / "broken.env").string()}, secrets),
      error_of({"--db-pasword=hunter2-in-flag"}, secrets),
      error_of({"--db-password", "hunter2-in-flag", "--db-port", "x"}, secrets),
  };

  for (const auto& error : errors) {
    EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace cryptometrics::config
