// The built binary as a process, over real HTTP, on the embedded defaults or a separate
// `kafka-dev` broker.
#include <gtest/gtest.h>
#include <signal.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>

#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpResponse;
using testing::Process;

constexpr auto kStartTimeout = 30s;

// Settings that keep a test away from whatever the machine's environment or a .env holds.
std::map<std::string, std::string> isolated(const testing::TempDir& directory,
                                            unsigned short port,
                                            std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> environment = {
      {"HTTP_PORT", std::to_string(port)},
      {"SQLITE_PATH", (directory / "metrics.db").string()},
      {"SPOOL_PATH", (directory / "spool.db").string()},
      {"KAFKA_BOOTSTRAP_SERVERS", ""},
      {"DB_HOST", ""},
      {"DATABASE_URL", ""},
      {"SIMULATOR", ""},
      {"SIMULATOR_INTERVAL_MS", "20"},
      {"LOG_LEVEL", "info"},
  };
  for (auto& [name, value] : extra) environment[name] = value;
  return environment;
}

class Service {
 public:
  Service(const testing::TempDir& directory, std::map<std::string, std::string> environment,
          std::vector<std::string> args = {})
      : port_{testing::free_port()},
        process_{testing::crypto_metrics_binary(), args,
                 isolated(directory, port_, std::move(environment)), directory.path()} {
    if (!process_.wait_for_stderr("serving http://", kStartTimeout)) {
      ADD_FAILURE() << "the service did not start:\n" << process_.stderr_text();
    }
  }

  HttpResponse get(std::string_view target, std::string_view method = "GET") {
    return testing::http_request(method, "127.0.0.1", port_, target);
  }

  // Polls until `target` answers 200 with a body that `accept` likes; the service gives no
  // other signal that a quote went through.
  json wait_for(std::string_view target, const std::function<bool(const json&)>& accept,
                std::chrono::seconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto response = get(target);
      if (response.status == 200) {
        auto body = json::parse(response.body);
        if (accept(body)) return body;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << target << " never answered as expected:\n" << process_.stderr_text();
    return {};
  }

  int stop() {
    process_.send_signal(SIGTERM);
    const auto code = process_.wait(60s);
    EXPECT_TRUE(code.has_value()) << "no exit within 60 s after SIGTERM";
    return code.value_or(-1);
  }

  Process& process() { return process_; }

 private:
  unsigned short port_;
  Process process_;
};

const std::regex kDecimal{R"(\d+(\.\d{1,12})?)"};

std::string decimal_field(const json& body, const std::string& name) {
  EXPECT_TRUE(body.contains(name) && body[name].is_string()) << name << " in " << body.dump();
  const auto text = body.value(name, std::string{});
  EXPECT_TRUE(std::regex_match(text, kDecimal)) << name << " = " << text;
  return text;
}

TEST(Binary, ServesLiveMetricsOverHttpAndExitsZeroOnSigterm) {
  testing::TempDir directory;
  Service service{directory, {}};

  const auto first = service.wait_for("/metrics/BTC-USD", [](const json&) { return true; });
  EXPECT_EQ(first["pair"], "BTC-USD");
  for (const char* name : {"bid", "ask", "mid_price", "spread", "highest_bid", "lowest_ask",
                           "max_spread", "moving_avg"}) {
    decimal_field(first, name);
  }
  EXPECT_GE(first["count"].get<std::int64_t>(), 1);
  EXPECT_TRUE(std::regex_match(first["timestamp"].get<std::string>(),
                               std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"}));
  // BTC trades near its market price, tens of thousands of dollars, not at ETH's level.
  EXPECT_GE(std::stod(first["bid"].get<std::string>()), 10'000);

  const auto later = service.wait_for("/metrics/btc-usd", [&](const json& body) {
    return body["count"].get<std::int64_t>() > first["count"].get<std::int64_t>();
  });
  EXPECT_EQ(later["pair"], "BTC-USD");

  const auto all = service.wait_for("/metrics", [](const json& body) {
    return body["pairs"].size() == 3;
  });
  EXPECT_EQ(all["pairs"][0]["pair"], "BTC-USD");
  EXPECT_EQ(all["pairs"][1]["pair"], "ETH-USD");
  EXPECT_EQ(all["pairs"][2]["pair"], "LTC-USD");

  EXPECT_EQ(service.get("/metrics/BTC_USD").status, 400u);
  EXPECT_EQ(json::parse(service.get("/metrics/BTC_USD").body).contains("error"), true);
  EXPECT_EQ(service.get("/metrics/XRP-EUR").status, 404u);
  EXPECT_EQ(service.get("/metrics/BTC-USD", "POST").status, 405u);
  EXPECT_EQ(service.get("/healthz").status, 200u);
  service.wait_for("/readyz", [](const json&) { return true; });

  EXPECT_EQ(service.stop(), 0);
  EXPECT_NE(service.process().stderr_text().find("stopping"), std::string::npos);
}

TEST(Binary, RestartReadsMetricsBackFromStorage) {
  testing::TempDir directory;
  std::int64_t count_before = 0;
  {
    Service service{directory, {}};
    count_before =
        service
            .wait_for("/metrics/ETH-USD",
                      [](const json& body) { return body["count"].get<std::int64_t>() >= 5; })
            ["count"]
            .get<std::int64_t>();
    ASSERT_EQ(service.stop(), 0);
  }
  SQLite::Database database{(directory / "metrics.db").string()};
  const std::int64_t stored =
      database.execAndGet("SELECT COUNT(*) FROM crypto_metrics WHERE pair = 'ETH-USD'").getInt64();
  ASSERT_GE(stored, count_before);

  Service restarted{directory, {{"SIMULATOR", "off"}}};
  const auto body = restarted.wait_for("/metrics/ETH-USD", [](const json&) { return true; });
  EXPECT_EQ(body["count"].get<std::int64_t>(), stored);
  EXPECT_EQ(restarted.stop(), 0);
}

TEST(Binary, BadSettingStopsStartWithCode2NamingIt) {
  testing::TempDir directory;
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"SMA_WINDOW", "0"}, {"HTTP_PORT", "eighty"}, {"PAIRS", "BTCUSD"},
           {"LOG_LEVEL", "chatty"}, {"SIMULATOR", "maybe"}}) {
    Process process{testing::crypto_metrics_binary(), {},
                    isolated(directory, 8080, {{name, value}}), directory.path()};
    EXPECT_EQ(process.wait(30s), 2) << name;
    EXPECT_NE(process.stderr_text().find(name), std::string::npos)
        << name << ": " << process.stderr_text();
  }
  Process flag{testing::crypto_metrics_binary(), {"--no-such-flag"}, isolated(directory, 8080),
               directory.path()};
  EXPECT_EQ(flag.wait(30s), 2);
  EXPECT_NE(flag.stderr_text().find("--no-such-flag"), std::string::npos);
}

TEST(Binary, HelpListsEverySettingAndVersionPrints) {
  testing::TempDir directory;
  Process help{testing::crypto_metrics_binary(), {"--help"}, {}, directory.path()};
  ASSERT_EQ(help.wait(30s), 0);
  for (const char* name :
       {"DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DATABASE_URL",
        "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_TOPIC", "KAFKA_GROUP_ID", "HTTP_HOST", "HTTP_PORT",
        "PAIRS", "SIMULATOR", "SIMULATOR_INTERVAL_MS", "SMA_WINDOW", "SQLITE_PATH", "SPOOL_PATH",
        "LOG_LEVEL", "kafka-dev", "simulate", "migrate"}) {
    EXPECT_NE(help.stdout_text().find(name), std::string::npos) << name;
  }
  Process version{testing::crypto_metrics_binary(), {"--version"}, {}, directory.path()};
  ASSERT_EQ(version.wait(30s), 0);
  EXPECT_EQ(version.stdout_text().rfind("crypto-metrics ", 0), 0u) << version.stdout_text();
}

TEST(Binary, KafkaDevSimulateAndRunWorkAsSeparateProcesses) {
  testing::TempDir directory;
  Process broker{testing::crypto_metrics_binary(), {"kafka-dev"}, isolated(directory, 8080),
                 directory.path()};
  ASSERT_TRUE(broker.wait_for_stdout("\n", kStartTimeout)) << broker.stderr_text();
  const std::string bootstrap = broker.stdout_text().substr(0, broker.stdout_text().find('\n'));
  ASSERT_TRUE(std::regex_match(bootstrap, std::regex{R"(127\.0\.0\.1:\d+)"})) << bootstrap;

  Service service{directory, {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap}}};
  Process simulator{testing::crypto_metrics_binary(),
                    {"simulate", "--rate", "200"},
                    isolated(directory, 8080,
                             {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap}, {"PAIRS", "SOL-USD"}}),
                    directory.path()};

  service.wait_for("/metrics/SOL-USD",
                   [](const json& body) { return body["count"].get<std::int64_t>() >= 50; });
  // With a broker of its own the service runs no simulator.
  EXPECT_EQ(service.get("/metrics/BTC-USD").status, 404u);

  simulator.send_signal(SIGTERM);
  EXPECT_EQ(simulator.wait(30s), 0) << simulator.stderr_text();
  EXPECT_EQ(service.stop(), 0);
  broker.send_signal(SIGTERM);
  EXPECT_EQ(broker.wait(30s), 0);
}

// Every row's metrics must follow from the rows of its pair before it: a message counted twice
// or lost would break the chain.
void expect_consistent_rows(const std::filesystem::path& database_path) {
  SQLite::Database database{database_path.string()};
  SQLite::Statement rows{database,
                         "SELECT pair, bid, ask, highest_bid, quote_count FROM crypto_metrics "
                         "ORDER BY id"};
  std::map<std::string, std::int64_t> counts;
  std::map<std::string, double> highest;
  while (rows.executeStep()) {
    const std::string pair = rows.getColumn(0).getString();
    const double bid = std::stod(rows.getColumn(1).getString());
    const auto count = ++counts[pair];
    highest[pair] = count == 1 ? bid : std::max(highest[pair], bid);
    ASSERT_EQ(rows.getColumn(4).getInt64(), count) << pair;
    ASSERT_EQ(std::stod(rows.getColumn(3).getString()), highest[pair]) << pair;
  }
  EXPECT_EQ(database.execAndGet("SELECT COUNT(*) FROM (SELECT DISTINCT kafka_partition, "
                                "kafka_offset FROM crypto_metrics)")
                .getInt64(),
            database.execAndGet("SELECT COUNT(*) FROM crypto_metrics").getInt64());
}

// What `crypto-metrics simulate` says it delivered when it stops.
std::int64_t delivered_count(const std::string& log) {
  static const std::regex kDelivered{R"((\d+) delivered)"};
  std::smatch match;
  return std::regex_search(log, match, kDelivered) ? std::stoll(match[1]) : 0;
}

TEST(Binary, KillNineThenRestartLosesAndDuplicatesNothing) {
  testing::TempDir directory;
  Process broker{testing::crypto_metrics_binary(), {"kafka-dev"}, isolated(directory, 8080),
                 directory.path()};
  ASSERT_TRUE(broker.wait_for_stdout("\n", kStartTimeout)) << broker.stderr_text();
  const std::string bootstrap = broker.stdout_text().substr(0, broker.stdout_text().find('\n'));

  Process simulator{testing::crypto_metrics_binary(),
                    {"simulate", "--rate", "2000"},
                    isolated(directory, 8080, {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap}}),
                    directory.path()};
  {
    Service first{directory, {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap}}};
    first.wait_for("/metrics/BTC-USD",
                   [](const json& body) { return body["count"].get<std::int64_t>() >= 500; });
    first.process().send_signal(SIGKILL);
    ASSERT_EQ(first.process().wait(30s), 128 + SIGKILL);
  }
  Service second{directory, {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap}}};
  second.wait_for("/metrics/BTC-USD",
                  [](const json& body) { return body["count"].get<std::int64_t>() >= 1500; },
                  60s);
  simulator.send_signal(SIGTERM);
  ASSERT_EQ(simulator.wait(30s), 0) << simulator.stderr_text();
  const std::int64_t delivered = delivered_count(simulator.stderr_text());
  ASSERT_GT(delivered, 0) << simulator.stderr_text();

  // Everything delivered ends up stored exactly once.
  second.wait_for("/metrics", [&](const json& body) {
    std::int64_t sum = 0;
    for (const auto& pair : body["pairs"]) sum += pair["count"].get<std::int64_t>();
    return sum == delivered;
  }, 60s);
  EXPECT_EQ(second.stop(), 0);
  expect_consistent_rows(directory / "metrics.db");
  SQLite::Database database{(directory / "metrics.db").string()};
  EXPECT_EQ(database.execAndGet("SELECT COUNT(*) FROM crypto_metrics").getInt64(), delivered);
  broker.send_signal(SIGTERM);
  EXPECT_EQ(broker.wait(30s), 0);
}

}  // namespace
}  // namespace cryptometrics
