// The built binary storing in a real PostgreSQL through faults: the server stopped mid-stream,
// the binary killed mid-stream and mid-replay, the connection ended by the server, start-up
// with the server down, the spool's disk full. After each, the rows in PostgreSQL must be exactly the valid messages
// on the topic, each (topic, partition, offset) once, with the metrics an independent
// recomputation from the topic gives.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include "kafka/topic_reader.h"
#include "support/expected_metrics.h"
#include "support/postgres_server.h"
#include "support/service.h"
#include "support/small_disk.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ExpectedPair;
using testing::ExpectedRow;
using testing::PostgresServer;
using testing::Service;

constexpr char kTopic[] = "crypto_prices";
constexpr int kPartitions = 3;  // what kafka-dev creates
constexpr std::size_t kWindow = 7;
constexpr int kRate = 1000;  // quotes per second from the simulator

using MessageKey = std::pair<std::int32_t, std::int64_t>;  // partition, offset

// Every message on the topic, in order per partition, and the row each must have become.
struct Expectation {
  std::map<MessageKey, ExpectedRow> rows;
  std::map<std::string, ExpectedRow> last_by_pair;
};

Expectation expect_from_topic(const std::string& bootstrap_servers, std::int64_t delivered,
                              int partitions = kPartitions) {
  testing::TopicReader reader{bootstrap_servers, kTopic, partitions};
  auto messages = reader.read(static_cast<std::size_t>(delivered), 60s);
  EXPECT_EQ(static_cast<std::int64_t>(messages.size()), delivered) << "messages on the topic";
  std::sort(messages.begin(), messages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  // The simulator writes {"pair":"BTC-USD","bid":91234.56,"ask":91234.61,"timestamp":...}; the
  // prices are read as text, never through a double.
  static const std::regex kQuote{R"re("pair":"([A-Z0-9-]+)","bid":([0-9.]+),"ask":([0-9.]+))re"};
  std::map<std::string, ExpectedPair> pairs;
  Expectation expectation;
  for (const auto& message : messages) {
    std::smatch match;
    if (!std::regex_search(message.payload, match, kQuote)) {
      ADD_FAILURE() << "unexpected message: " << message.payload;
      continue;
    }
    const std::string pair = match[1];
    const ExpectedRow row = pairs.try_emplace(pair, kWindow).first->second.add(
        pair, testing::parse_units(match[2].str()), testing::parse_units(match[3].str()));
    expectation.rows[{message.partition, message.offset}] = row;
    expectation.last_by_pair[pair] = row;
  }
  return expectation;
}

// The rows in PostgreSQL are the expected ones, each message exactly once.
void expect_rows(const PostgresServer& postgres, const Expectation& expectation) {
  const auto rows = postgres.query(
      "SELECT kafka_partition, kafka_offset, pair, bid, ask, mid_price, spread, highest_bid, "
      "lowest_ask, max_spread, moving_avg, quote_count, kafka_topic FROM crypto_metrics "
      "ORDER BY id");
  EXPECT_EQ(rows.size(), expectation.rows.size()) << "rows in PostgreSQL";
  std::set<MessageKey> seen;
  int mismatches = 0;
  for (const auto& row : rows) {
    const MessageKey key{std::stoi(row[0]), std::stoll(row[1])};
    const std::string where =
        "partition " + row[0] + " offset " + row[1] + " (" + row[2] + ")";
    if (!seen.insert(key).second) {
      ADD_FAILURE() << "stored twice: " << where;
      if (++mismatches > 10) return;
      continue;
    }
    const auto found = expectation.rows.find(key);
    if (found == expectation.rows.end()) {
      ADD_FAILURE() << "stored but not on the topic: " << where;
      if (++mismatches > 10) return;
      continue;
    }
    const ExpectedRow& expected = found->second;
    const ExpectedRow stored{row[2],
                             testing::canonical(row[3]),
                             testing::canonical(row[4]),
                             testing::canonical(row[5]),
                             testing::canonical(row[6]),
                             testing::canonical(row[7]),
                             testing::canonical(row[8]),
                             testing::canonical(row[9]),
                             testing::canonical(row[10]),
                             std::stoll(row[11])};
    const auto fields = [](const ExpectedRow& r) {
      return std::tie(r.pair, r.bid, r.ask, r.mid_price, r.spread, r.highest_bid, r.lowest_ask,
                      r.max_spread, r.moving_avg, r.count);
    };
    EXPECT_EQ(row[12], kTopic) << where;
    if (fields(stored) != fields(expected)) {
      ADD_FAILURE() << where << ": stored " << json(std::vector<std::string>{
                           stored.bid, stored.ask, stored.mid_price, stored.spread,
                           stored.highest_bid, stored.lowest_ask, stored.max_spread,
                           stored.moving_avg, std::to_string(stored.count)})
                    << ", expected " << json(std::vector<std::string>{
                           expected.bid, expected.ask, expected.mid_price, expected.spread,
                           expected.highest_bid, expected.lowest_ask, expected.max_spread,
                           expected.moving_avg, std::to_string(expected.count)});
      if (++mismatches > 10) return;
    }
  }
}

// What the service serves is the last expected row of every pair.
void expect_served(Service& service, const Expectation& expectation) {
  for (const auto& [pair, row] : expectation.last_by_pair) {
    const auto response = service.get("/metrics/" + pair);
    ASSERT_EQ(response.status, 200u) << pair;
    const auto body = json::parse(response.body);
    EXPECT_EQ(body["highest_bid"], row.highest_bid) << pair;
    EXPECT_EQ(body["lowest_ask"], row.lowest_ask) << pair;
    EXPECT_EQ(body["max_spread"], row.max_spread) << pair;
    EXPECT_EQ(body["moving_avg"], row.moving_avg) << pair;
    EXPECT_EQ(body["mid_price"], row.mid_price) << pair;
    EXPECT_EQ(body["count"].get<std::int64_t>(), row.count) << pair;
  }
}

// Until the service has taken in `count` quotes of `pair`.
void wait_for_count(Service& service, const std::string& pair, std::int64_t count) {
  service.wait_for("/metrics/" + pair, [count](const json& body) {
    return body["count"].get<std::int64_t>() >= count;
  }, 60s);
}

// The value of `series` (`name` or `name{label="value",...}`, as written) in a /prometheus
// answer; -1 when it is not there.
double prometheus_value(const std::string& text, const std::string& series) {
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(series + ' ')) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Whether the service that finishes a test stored every row itself, or took over from one
// killed before it (whose rows its counters cannot know).
enum class Stored { by_one_process, across_a_restart };

class PostgresFaults : public ::testing::Test {
 protected:
  // The seed's DB_* variables, as an operator would set them.
  std::map<std::string, std::string> environment() const {
    return {{"KAFKA_BOOTSTRAP_SERVERS", broker_.bootstrap_servers()},
            {"DB_HOST", "127.0.0.1"},
            {"DB_PORT", std::to_string(postgres_.port())},
            {"DB_NAME", "crypto_metrics_test"},
            {"DB_USER", "postgres"},
            {"SMA_WINDOW", std::to_string(kWindow)}};
  }

  std::int64_t stored_rows() const {
    return std::stoll(postgres_.query_value("SELECT count(*) FROM crypto_metrics"));
  }

  // Runs the service until PostgreSQL holds `rows`, then kills it with SIGKILL while more are
  // in flight.
  void run_then_kill_once_stored(std::int64_t rows) {
    Service service{directory_, environment()};
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (stored_rows() < rows && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(stored_rows(), rows);
    service.process().send_signal(SIGKILL);
    ASSERT_EQ(service.process().wait(30s), 128 + SIGKILL);
  }

  static json storage_state(Service& service) {
    return service.wait_for("/readyz", [](const json&) { return true; }, 30s, true)["storage"];
  }

  // With the service under way: PostgreSQL down (immediate) until the spool holds `rows`, then
  // back; the replay then begins.
  void spool_through_an_outage(Service& service, std::size_t rows) {
    wait_for_count(service, "BTC-USD", 300);
    postgres_.stop(PostgresServer::StopMode::immediate);
    wait_for_spool_depth(service, rows);
    postgres_.start();
  }

  void wait_for_spool_depth(Service& service, std::size_t at_least) {
    service.wait_for(
        "/readyz",
        [&](const json& body) {
          return body["storage"]["spool_depth"].get<std::size_t>() >= at_least;
        },
        60s, true);
  }

  void wait_until_drained(Service& service) {
    service.wait_for(
        "/readyz",
        [](const json& body) {
          return body["storage"]["state"] == "ok" && body["storage"]["spool_depth"] == 0;
        },
        90s, true);
  }

  // Polls /prometheus until the service counts `delivered` rows stored, in PostgreSQL or its
  // spool, and none waits in the spool; returns the last answer.
  static std::string wait_until_counted(Service& service, std::int64_t delivered) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      const std::string text = service.get("/prometheus").body;
      const double counted =
          prometheus_value(text, R"(crypto_metrics_rows_stored_total{store="postgres"})") +
          prometheus_value(text, R"(crypto_metrics_rows_stored_total{store="spool"})");
      if ((counted == static_cast<double>(delivered) &&
           prometheus_value(text, "crypto_metrics_spool_depth") == 0) ||
          std::chrono::steady_clock::now() > deadline) {
        return text;
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  // Stops the simulator, waits for the service to take everything it delivered, and checks
  // the service and PostgreSQL against the topic. Returns the rows stored. In one process, also
  // checks that /prometheus counted each row once, in PostgreSQL or in the spool, and every
  // spooled row as replayed.
  std::int64_t finish(Service& service, testing::Simulator& simulator, Stored stored) {
    const bool one_process = stored == Stored::by_one_process;
    const std::int64_t delivered = simulator.stop();
    EXPECT_GT(delivered, 0);
    service.wait_for_total(delivered, 90s);
    wait_until_drained(service);
    const Expectation expectation = expect_from_topic(broker_.bootstrap_servers(), delivered);
    expect_served(service, expectation);
    const std::string figures = one_process ? wait_until_counted(service, delivered) : "";
    EXPECT_EQ(service.stop(), 0);
    expect_rows(postgres_, expectation);
    const std::int64_t rows = stored_rows();
    if (one_process) {
      const double direct =
          prometheus_value(figures, R"(crypto_metrics_rows_stored_total{store="postgres"})");
      const double spooled =
          prometheus_value(figures, R"(crypto_metrics_rows_stored_total{store="spool"})");
      EXPECT_EQ(direct + spooled, static_cast<double>(rows)) << figures;
      EXPECT_EQ(prometheus_value(figures, "crypto_metrics_spool_replayed_total"), spooled);
      std::cout << direct << " rows stored in PostgreSQL, " << spooled << " spooled\n";
    }
    RecordProperty("delivered", std::to_string(delivered));
    RecordProperty("rows", std::to_string(rows));
    std::cout << "delivered " << delivered << " quotes, " << rows << " rows in PostgreSQL\n";
    return rows;
  }

  // Takes a lock that makes the service's next write to crypto_metrics wait inside its
  // transaction, and returns once a session waits for it.
  std::unique_ptr<pqxx::work> hold_writes(pqxx::connection& connection) {
    auto lock = std::make_unique<pqxx::work>(connection);
    lock->exec0("LOCK TABLE crypto_metrics IN ACCESS EXCLUSIVE MODE");
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (postgres_.query_value("SELECT count(*) FROM pg_stat_activity "
                                 "WHERE wait_event_type = 'Lock'") == "0") {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no write waited for the lock within 60 s";
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    return lock;
  }

  testing::TempDir directory_;
  PostgresServer postgres_;
  testing::KafkaDev broker_{directory_};
};

TEST_F(PostgresFaults, NormalRunStoresEveryQuoteOnce) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  Service service{directory_, environment()};
  service.wait_for("/metrics/BTC-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= 1000;
  }, 60s);
  EXPECT_EQ(storage_state(service)["backend"], "postgres");
  finish(service, simulator, Stored::by_one_process);
}

TEST_F(PostgresFaults, ServerStoppedMidStreamSpoolsThenDrains) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  Service service{directory_, environment()};
  service.wait_for("/metrics/BTC-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= 300;
  }, 60s);

  postgres_.stop(PostgresServer::StopMode::immediate);
  wait_for_spool_depth(service, 2000);
  const json spooling = storage_state(service);
  EXPECT_EQ(spooling["state"], "spooling") << spooling.dump();
  EXPECT_TRUE(service.process().stderr_text().find("spool") != std::string::npos);

  postgres_.start();
  wait_until_drained(service);
  finish(service, simulator, Stored::by_one_process);
}

// Nothing but the outage's end may be needed to drain the spool: no quote comes after it.
TEST_F(PostgresFaults, SpoolDrainsByItselfWhenNoQuoteFollowsTheOutage) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), 50};
  Service service{directory_, environment()};
  wait_for_count(service, "BTC-USD", 1);
  postgres_.stop(PostgresServer::StopMode::fast);
  wait_for_spool_depth(service, 100);
  const std::int64_t delivered = simulator.stop();
  service.wait_for_total(delivered, 30s);

  postgres_.start();
  const auto started = std::chrono::steady_clock::now();
  while (stored_rows() < delivered && std::chrono::steady_clock::now() - started < 15s) {
    std::this_thread::sleep_for(50ms);
  }

  EXPECT_EQ(stored_rows(), delivered) << "rows in PostgreSQL 15 s after it came back";
  const json ready = service.wait_for("/readyz", [](const json&) { return true; }, 5s, true);
  EXPECT_EQ(ready["storage"]["spool_depth"], 0) << ready.dump();
  EXPECT_EQ(ready["storage"]["state"], "ok") << ready.dump();
  EXPECT_EQ(ready["status"], "ready") << ready.dump();
  EXPECT_EQ(service.stop(), 0);
}

TEST_F(PostgresFaults, KilledMidStreamThenRestarted) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  run_then_kill_once_stored(1000);
  Service second{directory_, environment()};
  second.wait_for("/metrics/ETH-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= 1500;
  }, 60s);
  finish(second, simulator, Stored::across_a_restart);
}

TEST_F(PostgresFaults, KilledWhileReplayingTheSpoolThenRestarted) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  {
    Service first{directory_, environment()};
    spool_through_an_outage(first, 3000);

    pqxx::connection connection{postgres_.connection_string()};
    const auto lock = hold_writes(connection);
    EXPECT_GT(storage_state(first)["spool_depth"].get<std::size_t>(), 0u)
        << "the write held is the spool's replay";
    first.process().send_signal(SIGKILL);
    ASSERT_EQ(first.process().wait(30s), 128 + SIGKILL);
    lock->abort();
  }
  Service second{directory_, environment()};
  wait_until_drained(second);
  finish(second, simulator, Stored::across_a_restart);
}

TEST_F(PostgresFaults, ConnectionEndedByTheServerDuringABatch) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  Service service{directory_, environment()};
  service.wait_for("/metrics/LTC-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= 300;
  }, 60s);
  {
    pqxx::connection connection{postgres_.connection_string()};
    const auto lock = hold_writes(connection);
    // Ends the service's session in the middle of its batch, and the lock's session with it.
    EXPECT_GE(postgres_.terminate_backends(), 2);
  }
  service.wait_for("/metrics/LTC-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= 1500;
  }, 60s);
  finish(service, simulator, Stored::by_one_process);
}

TEST_F(PostgresFaults, StartsWithTheServerDownAndCatchesUp) {
  postgres_.stop(PostgresServer::StopMode::fast);
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  Service service{directory_, environment()};
  wait_for_spool_depth(service, 2000);
  EXPECT_EQ(storage_state(service)["state"], "spooling");
  EXPECT_NE(service.process().stderr_text().find("spooling to"), std::string::npos)
      << service.process().stderr_text();

  postgres_.start();
  wait_until_drained(service);
  finish(service, simulator, Stored::by_one_process);
}

// The spool keeps what PostgreSQL held, so a start without it continues every pair's metrics.
TEST_F(PostgresFaults, KilledThenRestartedWhileTheServerIsDown) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  // Long enough for Kafka to hold committed offsets: without what the spool kept of PostgreSQL,
  // the restart would continue from them with every pair's metrics lost.
  run_then_kill_once_stored(5000);
  postgres_.stop(PostgresServer::StopMode::immediate);
  Service second{directory_, environment()};
  wait_for_spool_depth(second, 2000);
  postgres_.start();
  wait_until_drained(second);
  finish(second, simulator, Stored::across_a_restart);
}

// The replay deletes rows from the spool together with a checkpoint that holds them: killed just
// after the spool drained and started again while PostgreSQL is down, the service continues
// every pair from exactly what PostgreSQL holds, and the rows it spools then carry the right
// cumulative values.
TEST_F(PostgresFaults, KilledRightAfterTheSpoolDrainedThenRestartedWhileTheServerIsDown) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  {
    Service first{directory_, environment()};
    spool_through_an_outage(first, 6000);
    wait_until_drained(first);
    first.process().send_signal(SIGKILL);
    ASSERT_EQ(first.process().wait(30s), 128 + SIGKILL);
  }
  postgres_.stop(PostgresServer::StopMode::immediate);
  Service second{directory_, environment()};
  wait_for_spool_depth(second, 2000);
  postgres_.start();
  wait_until_drained(second);
  finish(second, simulator, Stored::across_a_restart);
}

// PostgreSQL down and the spool's disk full: nothing is written, so nothing may be committed (a
// SIGKILL then must lose nothing); once there is room again the same process goes on by itself,
// and everything arrives once.
TEST_F(PostgresFaults, SpoolDiskFullWritesNothingCommitsNothingAndResumesWithSpace) {
  postgres_.stop(PostgresServer::StopMode::fast);
  testing::SmallDisk disk{directory_ / "spool-disk", "1m"};
  auto settings = environment();
  settings["SPOOL_PATH"] = (disk.path() / "spool.db").string();
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  {
    Service first{directory_, settings};
    const json failing = first.wait_for(
        "/readyz", [](const json& body) { return body["storage"]["state"] == "failing"; }, 60s,
        true);
    EXPECT_NE(failing["storage"]["last_error"].get<std::string>().find("full"),
              std::string::npos)
        << failing.dump();
    const auto depth = failing["storage"]["spool_depth"].get<std::size_t>();
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(storage_state(first)["spool_depth"].get<std::size_t>(), depth)
        << "rows written to a full disk";
    EXPECT_GT(depth, 0u) << "the disk should take some rows before it is full";
    std::cout << "spool full at " << depth << " rows\n";
    first.process().send_signal(SIGKILL);
    ASSERT_EQ(first.process().wait(30s), 128 + SIGKILL);
  }
  Service second{directory_, settings};
  const json still_failing = second.wait_for(
      "/readyz", [](const json& body) { return body["storage"]["state"] == "failing"; }, 60s,
      true);
  const auto depth = still_failing["storage"]["spool_depth"].get<std::size_t>();
  disk.grow("64m");
  wait_for_spool_depth(second, depth + 2000);
  postgres_.start();
  wait_until_drained(second);
  finish(second, simulator, Stored::across_a_restart);
}

// The spool's own rows fill its disk during an outage, as three instances sharing one did in the
// soak (seed 7): once PostgreSQL is back the spool gives every row up to it with no room to
// delete any, then is made anew, and the same process reads on. Before, every deletion failed
// with "database or disk is full", and the spool never drained.
TEST_F(PostgresFaults, ASpoolThatFilledItsDiskDrainsOnceTheServerIsBack) {
  postgres_.stop(PostgresServer::StopMode::fast);
  testing::SmallDisk disk{directory_ / "spool-disk", "1m"};
  auto settings = environment();
  settings["SPOOL_PATH"] = (disk.path() / "spool.db").string();
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  Service service{directory_, settings};
  service.wait_for(
      "/readyz", [](const json& body) { return body["storage"]["state"] == "failing"; }, 60s,
      true);

  postgres_.start();
  wait_until_drained(service);
  EXPECT_NE(service.process().stderr_text().find("made anew"), std::string::npos)
      << service.process().stderr_text();
  finish(service, simulator, Stored::by_one_process);
}

// A refusal that waiting will not fix, before PostgreSQL was ever reached: bad configuration.
TEST_F(PostgresFaults, AWrongPasswordAtStartStopsWithCode2NamingTheSettings) {
  postgres_.execute("CREATE ROLE writer LOGIN PASSWORD 'right-password'");
  auto settings = environment();
  settings["DB_USER"] = "writer";
  settings["DB_PASSWORD"] = "wrong-password";

  testing::Process service{testing::crypto_metrics_binary(), {},
                           testing::isolated(directory_, 8080, settings), directory_.path()};

  EXPECT_EQ(service.wait(60s), 2) << service.stderr_text();
  EXPECT_NE(service.stderr_text().find("DB_USER/DB_PASSWORD"), std::string::npos)
      << service.stderr_text();
  EXPECT_EQ(service.stderr_text().find("wrong-password"), std::string::npos)
      << service.stderr_text();
}

// Two running instances under one name would claim partitions as one: the second stops, naming
// the setting, once it waited long enough for a killed predecessor's session to end.
TEST_F(PostgresFaults, ASecondInstanceOfTheSameNameStopsWithCode2NamingTheSetting) {
  auto settings = environment();
  settings["INSTANCE_ID"] = "desk-1";
  Service first{directory_, settings};
  testing::TempDir other_directory;

  testing::Process second{testing::crypto_metrics_binary(), {},
                          testing::isolated(other_directory, 8080, settings),
                          other_directory.path()};

  EXPECT_EQ(second.wait(60s), 2) << second.stderr_text();
  EXPECT_NE(second.stderr_text().find("INSTANCE_ID"), std::string::npos) << second.stderr_text();
  EXPECT_NE(second.stderr_text().find("instance name desk-1 is held by"), std::string::npos)
      << second.stderr_text();
  EXPECT_EQ(first.get("/healthz").status, 200u);
  EXPECT_EQ(first.stop(), 0);
}

// The password changed under a running service: nothing is lost (the rows wait in the spool),
// but the log says so every time it tries, and /readyz says why, until it is fixed.
TEST_F(PostgresFaults, APasswordThatStopsWorkingMidRunSpoolsSaysWhyAndDrainsOnceFixed) {
  postgres_.execute(
      "CREATE ROLE writer LOGIN PASSWORD 'right-password';"
      "GRANT ALL ON SCHEMA public TO writer");
  auto settings = environment();
  settings["DB_USER"] = "writer";
  settings["DB_PASSWORD"] = "right-password";
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), 200};
  Service service{directory_, settings};
  wait_for_count(service, "BTC-USD", 100);

  postgres_.execute("ALTER ROLE writer PASSWORD 'changed'");
  postgres_.terminate_backends();
  const json refused = service.wait_for(
      "/readyz", [](const json& body) { return body["storage"]["state"] == "refused"; }, 60s,
      true);
  EXPECT_EQ(refused["status"], "not ready") << refused.dump();
  EXPECT_NE(refused["storage"]["last_error"].get<std::string>().find("password authentication"),
            std::string::npos)
      << refused.dump();
  wait_for_spool_depth(service, 500);
  EXPECT_NE(service.process().stderr_text().find(" error PostgreSQL"), std::string::npos)
      << service.process().stderr_text();

  postgres_.execute("ALTER ROLE writer PASSWORD 'right-password'");
  wait_until_drained(service);
  finish(service, simulator, Stored::by_one_process);
}

// A row PostgreSQL refuses for its data (here a constraint of the operator's) cannot stop the
// others: it goes to rejected_quotes with PostgreSQL's reason, and ingestion goes on.
TEST_F(PostgresFaults, RowsRefusedByAConstraintAreSetAsideAndIngestionGoesOn) {
  {
    testing::Process migrate{testing::crypto_metrics_binary(), {"migrate"},
                             testing::isolated(directory_, 8080, environment()),
                             directory_.path()};
    ASSERT_EQ(migrate.wait(60s), 0) << migrate.stderr_text();
  }
  postgres_.execute(
      "ALTER TABLE crypto_metrics ADD CONSTRAINT no_ltc CHECK (pair <> 'LTC-USD')");
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), kRate};
  Service service{directory_, environment()};
  wait_for_count(service, "BTC-USD", 1000);
  const std::int64_t delivered = simulator.stop();
  service.wait_for_total(delivered, 60s);
  wait_until_drained(service);
  EXPECT_EQ(service.wait_for("/readyz", [](const json&) { return true; }, 5s, true)["status"],
            "ready");
  EXPECT_EQ(service.stop(), 0);

  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (stored_rows() + std::stoll(postgres_.query_value("SELECT count(*) FROM rejected_quotes")) <
             delivered &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(postgres_.query_value("SELECT count(*) FROM crypto_metrics WHERE pair = 'LTC-USD'"),
            "0");
  const std::int64_t refused = std::stoll(postgres_.query_value(
      "SELECT count(*) FROM rejected_quotes WHERE reason LIKE 'PostgreSQL refused the row: "
      "SQLSTATE 23514%'"));
  EXPECT_GT(refused, 0);
  EXPECT_EQ(stored_rows() + refused, delivered);
}

// Several instances in one group on one PostgreSQL: partitions move between them as instances
// join, are killed, stall past the session timeout and leave, and every quote is still stored
// once, with the metrics one reader of the whole topic computes.
class ScaleOut : public ::testing::Test {
 protected:
  static constexpr int kScaledPartitions = 6;
  // Twelve pairs, so that every partition has some.
  static constexpr char kPairs[] =
      "BTC-USD,ETH-USD,LTC-USD,SOL-USD,ADA-USD,XRP-USD,DOT-USD,DOGE-USD,AVAX-USD,LINK-USD,"
      "ATOM-USD,XLM-USD";

  std::unique_ptr<Service> start(const std::string& instance) {
    auto& directory = directories_[instance];
    if (!directory) directory = std::make_unique<testing::TempDir>();
    return std::make_unique<Service>(
        *directory, std::map<std::string, std::string>{
                        {"KAFKA_BOOTSTRAP_SERVERS", broker_.bootstrap_servers()},
                        {"DB_HOST", "127.0.0.1"},
                        {"DB_PORT", std::to_string(postgres_.port())},
                        {"DB_NAME", "crypto_metrics_test"},
                        {"DB_USER", "postgres"},
                        {"SMA_WINDOW", std::to_string(kWindow)},
                        {"INSTANCE_ID", instance},
                        // The embedded broker's group moves partitions in rounds of this
                        // less a second.
                        {"KAFKA_SESSION_TIMEOUT_MS", "4000"}});
  }

  // Until `services` read every partition between them, each partition once, each service at
  // least one, all ready.
  static void wait_for_spread(const std::vector<Service*>& services,
                              std::chrono::seconds timeout = 120s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      std::multiset<std::string> read;
      bool each_ready = true;
      last.clear();
      for (Service* service : services) {
        const auto response = service->get("/readyz");
        last += std::to_string(response.status) + " " + response.body + "\n";
        if (response.status != 200) {
          each_ready = false;
          continue;
        }
        const json partitions = json::parse(response.body)["kafka"]["partitions"];
        if (partitions.empty()) each_ready = false;
        for (const auto& partition : partitions) read.insert(partition.get<std::string>());
      }
      const std::set<std::string> distinct(read.begin(), read.end());
      if (each_ready && read.size() == kScaledPartitions && distinct.size() == kScaledPartitions) {
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "the partitions were not spread over " << services.size()
                  << " instances; last answers:\n"
                  << last;
  }

  // Stops the producer; once `last` took in everything, checks it and PostgreSQL against the
  // topic, and stops it.
  void finish(Service& last, testing::Simulator& simulator) {
    const std::int64_t delivered = simulator.stop();
    EXPECT_GT(delivered, 0);
    last.wait_for_total(delivered, 90s);
    const Expectation expectation =
        expect_from_topic(broker_.bootstrap_servers(), delivered, kScaledPartitions);
    expect_served(last, expectation);
    EXPECT_EQ(last.stop(), 0);
    expect_rows(postgres_, expectation);
    std::cout << "delivered " << delivered << " quotes over " << expectation.last_by_pair.size()
              << " pairs, "
              << postgres_.query_value("SELECT count(*) FROM crypto_metrics")
              << " rows in PostgreSQL\n";
  }

  std::int64_t rows_of_partition(int partition) const {
    return std::stoll(postgres_.query_value(
        "SELECT count(*) FROM crypto_metrics WHERE kafka_partition = " +
        std::to_string(partition)));
  }

  testing::TempDir directory_;  // the broker's and the producer's
  std::map<std::string, std::unique_ptr<testing::TempDir>> directories_;  // each instance's
  PostgresServer postgres_;
  testing::KafkaDev broker_{directory_, kScaledPartitions};
};

TEST_F(ScaleOut, JoinsAKillAStallAndLeavingsStoreEveryQuoteOnce) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), 300, {{"PAIRS", kPairs}}};
  auto a = start("instance-a");
  wait_for_spread({a.get()});
  auto b = start("instance-b");
  auto c = start("instance-c");
  wait_for_spread({a.get(), b.get(), c.get()});

  // Killed: its partitions wait out the session timeout, then the others take them; restarted,
  // it gets some back.
  b->process().send_signal(SIGKILL);
  ASSERT_EQ(b->process().wait(30s), 128 + SIGKILL);
  wait_for_spread({a.get(), c.get()});
  b = start("instance-b");
  wait_for_spread({a.get(), b.get(), c.get()});

  // Stalled past the session timeout: the others claim its partitions while it does not know;
  // what it still writes under its old claims when it resumes, PostgreSQL refuses.
  c->process().send_signal(SIGSTOP);
  wait_for_spread({a.get(), b.get()});
  c->process().send_signal(SIGCONT);
  wait_for_spread({a.get(), b.get(), c.get()});
  const bool fenced = c->process().stderr_text().find("no longer owns") != std::string::npos;
  std::cout << "the stalled instance " << (fenced ? "was" : "was not")
            << " refused a write after it resumed\n";

  // Down to one.
  EXPECT_EQ(b->stop(), 0);
  EXPECT_EQ(c->stop(), 0);
  wait_for_spread({a.get()});
  finish(*a, simulator);
}

// Every instance answers for every pair: for those it reads, from its memory; for the others,
// what their owners stored, read from PostgreSQL twice a second. Each answer says which instance
// computed it, the partition and offset of the quote it follows, and where it was read.
TEST_F(ScaleOut, EveryInstanceAnswersEveryPairAsItsOwnerComputedIt) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), 300, {{"PAIRS", kPairs}}};
  auto a = start("instance-a");
  auto b = start("instance-b");
  auto c = start("instance-c");
  const std::vector<std::pair<std::string, Service*>> instances{
      {"instance-a", a.get()}, {"instance-b", b.get()}, {"instance-c", c.get()}};
  wait_for_spread({a.get(), b.get(), c.get()});
  const std::int64_t delivered = simulator.stop();
  const Expectation expectation =
      expect_from_topic(broker_.bootstrap_servers(), delivered, kScaledPartitions);
  std::map<std::string, MessageKey> last_of;  // each pair's last quote
  for (const auto& [key, row] : expectation.rows) last_of[row.pair] = key;
  std::map<std::int32_t, std::string> owner_of;
  for (const auto& [name, service] : instances) {
    const json partitions = json::parse(service->get("/readyz").body)["kafka"]["partitions"];
    for (const auto& partition : partitions) {
      const std::string text = partition.get<std::string>();  // crypto_prices[3]
      owner_of[std::stoi(text.substr(text.find('[') + 1))] = name;
    }
  }
  ASSERT_EQ(owner_of.size(), static_cast<std::size_t>(kScaledPartitions));

  for (const auto& [name, service] : instances) service->wait_for_total(delivered, 60s);

  for (const auto& [name, service] : instances) {
    SCOPED_TRACE(name);
    expect_served(*service, expectation);
    for (const auto& [pair, key] : last_of) {
      const json source = json::parse(service->get("/metrics/" + pair).body)["source"];
      const std::string& owner = owner_of.at(key.first);
      EXPECT_EQ(source["instance"], owner) << pair;
      EXPECT_EQ(source["partition"], key.first) << pair;
      EXPECT_EQ(source["offset"], key.second) << pair;
      EXPECT_EQ(source["read_from"], owner == name ? "memory" : "store") << pair;
    }
  }
  for (const auto& [name, service] : instances) EXPECT_EQ(service->stop(), 0) << name;
}

// Another instance's claim on a partition (as the group gives it one while this instance
// stalls) ends this instance's writes to it at once, though Kafka still has it read the
// partition: the batch in which it finds out is dropped for that partition, and the rest go on.
TEST_F(ScaleOut, AnInstanceWritesNothingMoreOfAPartitionClaimedSince) {
  testing::Simulator simulator{directory_, broker_.bootstrap_servers(), 300, {{"PAIRS", kPairs}}};
  {
    auto a = start("instance-a");
    wait_for_spread({a.get()});
    wait_for_count(*a, "BTC-USD", 50);
    EXPECT_EQ(postgres_.query_value("SELECT string_agg(DISTINCT owner || ':' || epoch, ',') "
                                    "FROM partition_owners"),
              "instance-a:1");

    postgres_.query(
        "UPDATE partition_owners SET owner = 'instance-b', epoch = epoch + 1 "
        "WHERE kafka_partition = 0");
    ASSERT_TRUE(a->process().wait_for_stderr("no longer owns crypto_prices[0]", 30s))
        << a->process().stderr_text();
    const std::int64_t partition_0 = rows_of_partition(0);
    const std::int64_t partition_1 = rows_of_partition(1);
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(rows_of_partition(0), partition_0) << "rows written under a claim taken since";
    EXPECT_GT(rows_of_partition(1), partition_1) << "the other partitions stopped too";
    const std::string figures = a->get("/prometheus").body;
    EXPECT_GT(prometheus_value(figures, "crypto_metrics_fenced_messages_total"), 0) << figures;
    EXPECT_EQ(a->stop(), 0);
  }
  // Started again, it claims the partition back and stores what it dropped.
  auto a = start("instance-a");
  finish(*a, simulator);
}

TEST(Migrate, AppliesThePostgresMigrationsOnceAndFailsWhenTheServerIsDown) {
  testing::TempDir directory;
  PostgresServer postgres;
  const auto environment = testing::isolated(
      directory, 8080, {{"DATABASE_URL", postgres.connection_string()}});
  std::vector<std::string> applied;
  for (int run = 0; run < 2; ++run) {
    testing::Process migrate{testing::crypto_metrics_binary(), {"migrate"}, environment,
                             directory.path()};
    EXPECT_EQ(migrate.wait(30s), 0) << migrate.stderr_text();
    applied.push_back(postgres.query_value("SELECT string_agg(name, ',' ORDER BY version) "
                                           "FROM schema_migrations"));
  }
  EXPECT_TRUE(applied[0].starts_with("001_init.sql,")) << applied[0];
  EXPECT_EQ(applied[1], applied[0]) << "the second run applied nothing more";
  EXPECT_EQ(postgres.query_value("SELECT count(*) FROM crypto_metrics"), "0");

  postgres.stop(PostgresServer::StopMode::fast);
  testing::Process unreachable{testing::crypto_metrics_binary(), {"migrate"}, environment,
                               directory.path()};
  EXPECT_EQ(unreachable.wait(60s), 1);
  EXPECT_NE(unreachable.stderr_text().find("cannot migrate PostgreSQL"), std::string::npos)
      << unreachable.stderr_text();
}

}  // namespace
}  // namespace cryptometrics
