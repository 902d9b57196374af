// The performance figures of ../shared/DESIGN.md, each beside its reference, measured in one run:
//   crypto-metrics-bench [--quotes N] [--repeat N] [--rate N] [--latency-seconds N]
//                        [--wrk-seconds N] [--partitions N]
// It starts what it needs (a throw-away PostgreSQL with fsync on, an embedded Kafka broker,
// nginx, wrk), repeats every comparison, and prints the medians as a Markdown table.

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <regex>
#include <stdexcept>
#include <string>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "bench/figures.h"
#include "kafka/embedded_broker.h"
#include "kafka/producer.h"
#include "kafka/quote_payloads.h"
#include "simulator/random_walk.h"
#include "simulator/simulator.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::PostgresServer;
using testing::Process;
using testing::TempDir;

const std::string kTopic = "crypto_prices";
const std::vector<std::string> kPairs = {"BTC-USD", "ETH-USD", "LTC-USD"};
constexpr auto kStoreTimeout = 15min;
constexpr auto kPollInterval = 10ms;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kLatencyPartitions = 3;

struct Options {
  std::int64_t quotes = 1'000'000;
  int repeat = 3;
  // The embedded broker keeps about 5 MiB per partition: 32 hold a million quotes of ~100 bytes.
  int partitions = 32;
  int rate = 10'000;
  int latency_seconds = 10;
  int wrk_seconds = 10;
  int instances = 3;
};

constexpr const char* kUsage =
    "Usage: crypto-metrics-bench [--quotes N] [--repeat N] [--rate N] [--latency-seconds N]\n"
    "                            [--wrk-seconds N] [--partitions N] [--instances N]\n"
    "Measures crypto-metrics beside its references and prints the medians as a table.\n"
    "  --quotes N           quotes consumed into PostgreSQL per repetition (1000000)\n"
    "  --repeat N           repetitions of every comparison (3)\n"
    "  --rate N             quotes per second for the latency figure (10000)\n"
    "  --latency-seconds N  how long the latency load runs (10)\n"
    "  --wrk-seconds N      how long each wrk run lasts (10)\n"
    "  --partitions N       partitions holding the pre-produced quotes (32)\n"
    "  --instances N        the most instances sharing the quotes in one group (3)\n"
    "Needs CRYPTO_METRICS_BINARY (set by meson test and scripts/bench).\n";

Options parse_options(int argc, char** argv) {
  Options options;
  const std::map<std::string, std::int64_t*> wide = {{"--quotes", &options.quotes}};
  const std::map<std::string, int*> narrow = {{"--repeat", &options.repeat},
                                               {"--rate", &options.rate},
                                               {"--latency-seconds", &options.latency_seconds},
                                               {"--wrk-seconds", &options.wrk_seconds},
                                               {"--partitions", &options.partitions},
                                               {"--instances", &options.instances}};
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "-h" || name == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::invalid_argument(name + ": expected a value\n" + kUsage);
    const std::string value = argv[++i];
    std::int64_t number = 0;
    try {
      std::size_t used = 0;
      number = std::stoll(value, &used);
      if (used != value.size() || number <= 0) throw std::invalid_argument{value};
    } catch (const std::exception&) {
      throw std::invalid_argument(name + ": expected a positive whole number, got " + value);
    }
    if (const auto found = wide.find(name); found != wide.end()) {
      *found->second = number;
    } else if (const auto small = narrow.find(name); small != narrow.end()) {
      *small->second = static_cast<int>(number);
    } else {
      throw std::invalid_argument("unknown option " + name + "\n" + kUsage);
    }
  }
  return options;
}

void say(const std::string& line) { std::cerr << "bench: " << line << std::endl; }

void produce_all(kafka::Producer& producer, const std::vector<std::string>& payloads,
                 int partitions) {
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const std::string& pair = kPairs[i % kPairs.size()];
    const auto partition = static_cast<std::int32_t>(i % static_cast<std::size_t>(partitions));
    while (!producer.produce(kTopic, partition, pair, payloads[i])) producer.poll();
  }
  if (const int left = producer.flush(120s); left > 0) {
    throw std::runtime_error(fmt::format("{} quotes not delivered to the embedded broker", left));
  }
}

// Kernel figures of a process, in bytes: VmRSS (now) and VmHWM (its peak).
struct Memory {
  double resident = 0;
  double peak = 0;
};

Memory memory_of(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  Memory memory;
  std::string line;
  while (std::getline(status, line)) {
    const auto kib = [&line] { return std::stod(line.substr(line.find(':') + 1)) * 1024.0; };
    if (line.starts_with("VmRSS:")) memory.resident = kib();
    if (line.starts_with("VmHWM:")) memory.peak = kib();
  }
  return memory;
}

// The service under measurement, storing into the benchmark's PostgreSQL.
class ServiceUnderTest {
 public:
  // `extra` settings on top: a group and an instance name of its own.
  ServiceUnderTest(const TempDir& directory, const PostgresServer& postgres,
                   const std::string& bootstrap_servers,
                   std::map<std::string, std::string> extra = {})
      : port_{testing::free_port()},
        process_{testing::crypto_metrics_binary(),
                 {},
                 testing::isolated(directory, port_, settings(postgres, bootstrap_servers, extra)),
                 directory.path()} {}

  unsigned short port() const { return port_; }
  pid_t pid() const { return process_.pid(); }

  std::string get(const std::string& target) {
    const auto response = testing::http_request("GET", "127.0.0.1", port_, target);
    if (response.status != 200) {
      throw std::runtime_error(fmt::format("GET {}: {} {}", target, response.status, response.body));
    }
    return response.body;
  }

  void stop() {
    process_.send_signal(SIGTERM);
    const auto code = process_.wait(30s);
    if (code != 0) {
      throw std::runtime_error(fmt::format("the service exited with {} on SIGTERM:\n{}",
                                           code ? std::to_string(*code) : "nothing after 30 s",
                                           process_.stderr_text()));
    }
  }

  std::string log() const { return process_.stderr_text(); }

  // SIGKILL, and the wait for the process to end.
  void kill() {
    process_.send_signal(SIGKILL);
    process_.wait(30s);
  }

  // The partitions /readyz says this instance reads, ready or not; none when it does not answer
  // (yet).
  std::set<std::string> partitions() {
    testing::HttpResponse response;
    try {
      response = testing::http_request("GET", "127.0.0.1", port_, "/readyz");
    } catch (const std::exception&) {
      return {};
    }
    if (response.status != 200 && response.status != 503) return {};
    const nlohmann::json body = nlohmann::json::parse(response.body);
    std::set<std::string> partitions;
    for (const auto& partition : body["kafka"]["partitions"]) {
      partitions.insert(partition.get<std::string>());
    }
    return partitions;
  }

 private:
  static std::map<std::string, std::string> settings(const PostgresServer& postgres,
                                                     const std::string& bootstrap_servers,
                                                     std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> settings = {
        {"KAFKA_BOOTSTRAP_SERVERS", bootstrap_servers},
        {"DATABASE_URL", postgres.connection_string()},
        {"SIMULATOR", "off"},
        // The benchmark's broker is an embedded one too, which holds a fetch that finds nothing
        // for all of this time.
        {"KAFKA_FETCH_WAIT_MS", "1"},
        {"LOG_LEVEL", "warn"}};
    for (auto& [name, value] : extra) settings[name] = std::move(value);
    return settings;
  }

  unsigned short port_;
  Process process_;
};

// How many quotes PostgreSQL holds, read from the offsets stored with them: cheap to ask while
// a million rows stream in, unlike count(*).
class StoredCounter {
 public:
  explicit StoredCounter(const PostgresServer& postgres)
      : connection_{postgres.connection_string()} {}

  std::int64_t stored() {
    pqxx::nontransaction query{connection_};
    // Before the service's migrations ran, the table is not there yet.
    const auto exists = query.exec1("SELECT to_regclass('kafka_offsets') IS NOT NULL");
    if (!exists[0].as<bool>()) return 0;
    return query.exec1("SELECT coalesce(sum(next_offset), 0) FROM kafka_offsets")[0]
        .as<std::int64_t>();
  }

 private:
  pqxx::connection connection_;
};

struct Throughput {
  double quotes_per_second = 0;
  Memory memory;
  std::vector<double> resident_mib;  // sampled as the quotes went in, a tenth at a time
};

// From the first committed batch to the last: the consumer's and the store's rate, not the
// start-up's (joining the group, reading the stored state).
Throughput measure_throughput(ServiceUnderTest& service, StoredCounter& counter,
                              std::int64_t quotes) {
  const auto deadline = Clock::now() + kStoreTimeout;
  std::optional<std::pair<Clock::time_point, std::int64_t>> first;
  Throughput result;
  std::int64_t next_sample = quotes / 10;
  for (;;) {
    const std::int64_t stored = counter.stored();
    const auto now = Clock::now();
    if (stored > 0 && !first) first = {now, stored};
    while (stored >= next_sample && next_sample <= quotes) {
      result.resident_mib.push_back(memory_of(service.pid()).resident / kMiB);
      next_sample += quotes / 10;
    }
    if (stored >= quotes) {
      const std::chrono::duration<double> elapsed = now - first->first;
      result.quotes_per_second =
          elapsed.count() > 0 ? static_cast<double>(quotes - first->second) / elapsed.count() : 0;
      break;
    }
    if (now > deadline) {
      throw std::runtime_error(fmt::format("only {} of {} quotes stored after {} min:\n{}", stored,
                                           quotes, kStoreTimeout.count(), service.log()));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  result.memory = memory_of(service.pid());
  return result;
}

// The service's latency histogram before and after `seconds` of quotes at `rate` per second,
// each stamped by Kafka when produced.
struct Latency {
  std::optional<double> p50_ms;
  std::optional<double> p99_ms;
  std::uint64_t quotes = 0;
  double resident = 0;  // bytes, once the quotes are stored
};

Latency measure_latency(ServiceUnderTest& service, StoredCounter& counter,
                        const std::string& bootstrap_servers, const Options& options) {
  // A live feed's producer: a quote waits at most 1 ms for others to share its request.
  kafka::Producer producer{bootstrap_servers, {.linger = 1ms}};
  std::vector<simulator::RandomWalk> walks;
  for (std::size_t i = 0; i < kPairs.size(); ++i) walks.emplace_back(kPairs[i], 7 + i);
  std::int64_t produced = 0;
  const auto produce_next = [&] {
    auto& walk = walks[static_cast<std::size_t>(produced++) % walks.size()];
    const auto quote = walk.next(
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
    while (!producer.produce(kTopic, quote.pair, simulator::encode_quote(quote))) producer.poll();
  };
  const auto wait_until_stored = [&counter](std::int64_t quotes) {
    const auto deadline = Clock::now() + 60s;
    while (counter.stored() < quotes) {
      if (Clock::now() > deadline) throw std::runtime_error("latency quotes not stored in 60 s");
      std::this_thread::sleep_for(kPollInterval);
    }
  };

  // A new producer's first message waits about a second (for its producer id and the topic's
  // metadata, librdkafka 2.0.2 with the embedded broker): one quote goes first, unmeasured.
  const std::int64_t stored_at_start = counter.stored();
  produce_next();
  if (producer.flush(60s) > 0) throw std::runtime_error("the warm-up quote was not delivered");
  wait_until_stored(stored_at_start + 1);

  const auto before = latency_buckets(nlohmann::json::parse(service.get("/latency")));
  const std::int64_t total = static_cast<std::int64_t>(options.rate) * options.latency_seconds;
  const auto start = Clock::now();
  for (std::int64_t sent = 0; sent < total;) {
    const std::chrono::duration<double> elapsed = Clock::now() - start;
    const auto due = std::min(total, static_cast<std::int64_t>(elapsed.count() * options.rate));
    for (; sent < due; ++sent) produce_next();
    producer.poll();
    std::this_thread::sleep_for(100us);
  }
  if (producer.flush(60s) > 0) throw std::runtime_error("latency quotes not delivered");
  wait_until_stored(stored_at_start + produced);
  const auto during =
      difference(latency_buckets(nlohmann::json::parse(service.get("/latency"))), before);
  return {quantile_bound(during, 0.50), quantile_bound(during, 0.99), during.back().count,
          memory_of(service.pid()).resident};
}

// nginx with one worker, serving `body` as a static file at `target`.
class Nginx {
 public:
  Nginx(const TempDir& directory, const std::string& target, const std::string& body)
      : port_{testing::free_port()} {
    const auto root = directory / "www";
    const auto file = root / target.substr(1);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream{file} << body;
    // The worker drops to another user when started by root: it must read the file.
    std::filesystem::permissions(directory.path(), std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::group_read |
                                                       std::filesystem::perms::group_exec |
                                                       std::filesystem::perms::others_read |
                                                       std::filesystem::perms::others_exec);
    const auto configuration = directory / "nginx.conf";
    std::ofstream{configuration} << fmt::format(
        "daemon off;\nworker_processes 1;\npid {0}/nginx.pid;\nerror_log stderr warn;\n"
        "events {{ worker_connections 1024; }}\n"
        "http {{\n  access_log off;\n  default_type application/json;\n"
        "  keepalive_requests 100000000;\n"
        "  client_body_temp_path {0}/body;\n  proxy_temp_path {0}/proxy;\n"
        "  fastcgi_temp_path {0}/fastcgi;\n  uwsgi_temp_path {0}/uwsgi;\n"
        "  scgi_temp_path {0}/scgi;\n"
        "  server {{ listen 127.0.0.1:{1}; root {2}; }}\n}}\n",
        directory.path().string(), port_, root.string());
    process_.emplace(std::filesystem::path{"/usr/sbin/nginx"},
                     std::vector<std::string>{"-p", directory.path().string(), "-c",
                                              configuration.string()});
    const auto deadline = Clock::now() + 10s;
    while (!serves(target)) {
      if (Clock::now() > deadline) {
        throw std::runtime_error("nginx does not serve " + target + ":\n" + process_->stderr_text());
      }
      std::this_thread::sleep_for(50ms);
    }
  }
  ~Nginx() {
    process_->send_signal(SIGQUIT);
    process_->wait(10s);
  }

  unsigned short port() const { return port_; }

 private:
  bool serves(const std::string& target) const {
    try {
      return testing::http_request("GET", "127.0.0.1", port_, target).status == 200;
    } catch (const std::exception&) {
      return false;  // not listening yet
    }
  }

  unsigned short port_;
  std::optional<Process> process_;
};

// wrk, one thread and 32 keep-alive connections: requests per second.
double requests_per_second(unsigned short port, const std::string& target, int seconds) {
  Process wrk{"/usr/bin/wrk",
              {"-t1", "-c32", "-d" + std::to_string(seconds) + "s",
               fmt::format("http://127.0.0.1:{}{}", port, target)}};
  if (wrk.wait(std::chrono::seconds{seconds + 30}) != 0) {
    throw std::runtime_error("wrk failed:\n" + wrk.stdout_text() + wrk.stderr_text());
  }
  const std::string output = wrk.stdout_text();
  if (output.find("Non-2xx") != std::string::npos || output.find("Socket errors") != std::string::npos) {
    throw std::runtime_error("wrk saw errors:\n" + output);
  }
  std::smatch match;
  if (!std::regex_search(output, match, std::regex{R"(Requests/sec:\s+([0-9.]+))"})) {
    throw std::runtime_error("no Requests/sec in wrk's output:\n" + output);
  }
  return std::stod(match[1]);
}

// The service's rows, as CSV, for PostgreSQL's own COPY to load again.
constexpr const char* kColumns =
    "pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
    " quote_count, \"timestamp\", kafka_topic, kafka_partition, kafka_offset";

void psql(const PostgresServer& postgres, const std::string& command) {
  Process client{"/usr/lib/postgresql/15/bin/psql",
                 {"-X", "-v", "ON_ERROR_STOP=1", "-d", postgres.connection_string(), "-c", command}};
  if (client.wait(10min) != 0) {
    throw std::runtime_error("psql " + command + ":\n" + client.stderr_text());
  }
}

void migrate(const TempDir& directory, const PostgresServer& postgres) {
  Process migrate{testing::crypto_metrics_binary(),
                  {"migrate"},
                  testing::isolated(directory, testing::free_port(),
                                    {{"DATABASE_URL", postgres.connection_string()}}),
                  directory.path()};
  if (migrate.wait(60s) != 0) throw std::runtime_error("migrate failed:\n" + migrate.stderr_text());
}

// COPY of `rows_csv` into a freshly migrated, empty crypto_metrics: rows per second.
double copy_rate(const PostgresServer& postgres, const std::filesystem::path& rows_csv,
                 std::int64_t rows) {
  const auto started = Clock::now();
  psql(postgres,
       fmt::format("\\copy crypto_metrics ({}) FROM '{}' WITH (FORMAT csv)", kColumns, rows_csv.string()));
  const std::chrono::duration<double> elapsed = Clock::now() - started;
  return static_cast<double>(rows) / elapsed.count();
}

// Instances in one group sharing the quotes: the rate they store them at together, once every
// instance has its partitions (joining rebalances the group, which would count otherwise), and,
// with the most of them, how long their partitions wait for another owner after a stop
// (SIGTERM) and after a kill -9.
struct ScaleOut {
  std::vector<double> quotes_per_second;  // with 1, 2, ... instances
  std::optional<double> handoff_after_stop_s;
  std::optional<double> handoff_after_kill_s;
};

// Seconds until `instances` read all `partitions` between them, each once; nullopt after two
// minutes.
std::optional<double> seconds_until_spread(const std::vector<ServiceUnderTest*>& instances,
                                           int partitions) {
  const auto started = Clock::now();
  std::size_t read_last = 0;
  while (Clock::now() - started < 2min) {
    std::multiset<std::string> read;
    for (ServiceUnderTest* instance : instances) {
      for (const std::string& partition : instance->partitions()) read.insert(partition);
    }
    const std::set<std::string> distinct(read.begin(), read.end());
    if (static_cast<int>(read.size()) == partitions &&
        static_cast<int>(distinct.size()) == partitions) {
      return std::chrono::duration<double>(Clock::now() - started).count();
    }
    read_last = read.size();
    std::this_thread::sleep_for(50ms);
  }
  say(fmt::format("{} instances read {} of {} partitions after 2 min", instances.size(),
                  read_last, partitions));
  return std::nullopt;
}

ScaleOut measure_scale_out(const Options& options, PostgresServer& postgres,
                           const std::vector<std::string>& payloads, int number) {
  ScaleOut result;
  for (int count = 1; count <= options.instances; ++count) {
    postgres.reset_database();
    kafka::EmbeddedBroker broker{kTopic, options.partitions};
    std::vector<std::unique_ptr<TempDir>> directories;
    std::vector<std::unique_ptr<ServiceUnderTest>> instances;
    std::vector<ServiceUnderTest*> running;
    for (int index = 0; index < count; ++index) {
      directories.push_back(std::make_unique<TempDir>());
      instances.push_back(std::make_unique<ServiceUnderTest>(
          *directories.back(), postgres, broker.bootstrap_servers(),
          std::map<std::string, std::string>{{"INSTANCE_ID", fmt::format("bench-{}", index)}}));
      running.push_back(instances.back().get());
    }
    seconds_until_spread(running, options.partitions);
    {
      kafka::Producer producer{broker.bootstrap_servers()};
      produce_all(producer, payloads, options.partitions);
    }
    StoredCounter counter{postgres};
    const Throughput throughput = measure_throughput(*instances.front(), counter, options.quotes);
    result.quotes_per_second.push_back(throughput.quotes_per_second);
    say(fmt::format("run {}: {} instances in one group: {:.0f} quotes/s together", number, count,
                    throughput.quotes_per_second));
    if (count == options.instances && count > 1) {
      running.back()->stop();
      running.pop_back();
      result.handoff_after_stop_s = seconds_until_spread(running, options.partitions);
      if (running.size() > 1) {
        running.back()->kill();
        running.pop_back();
        result.handoff_after_kill_s = seconds_until_spread(running, options.partitions);
      }
      say(fmt::format("run {}: partitions read again {:.1f} s after a SIGTERM, {:.1f} s after a "
                      "kill -9",
                      number, result.handoff_after_stop_s.value_or(-1),
                      result.handoff_after_kill_s.value_or(-1)));
    }
    for (ServiceUnderTest* instance : running) instance->stop();
  }
  return result;
}

struct Repetition {
  ScaleOut scale_out;
  Throughput throughput;
  double copy_rows_per_second = 0;
  double service_requests_per_second = 0;
  double nginx_requests_per_second = 0;
  Latency latency;
};

Repetition repeat_once(const Options& options, PostgresServer& postgres,
                       const std::vector<std::string>& payloads, int number) {
  Repetition result;
  TempDir directory;
  postgres.reset_database();

  kafka::EmbeddedBroker broker{kTopic, options.partitions};
  {
    kafka::Producer producer{broker.bootstrap_servers()};
    const auto started = Clock::now();
    produce_all(producer, payloads, options.partitions);
    const std::chrono::duration<double> elapsed = Clock::now() - started;
    say(fmt::format("run {}: {} quotes in the broker ({:.1f} s to produce)", number,
                    payloads.size(), elapsed.count()));
  }

  StoredCounter counter{postgres};
  ServiceUnderTest service{directory, postgres, broker.bootstrap_servers()};
  result.throughput = measure_throughput(service, counter, options.quotes);
  say(fmt::format("run {}: Kafka → PostgreSQL {:.0f} quotes/s, resident {:.1f} MiB (peak {:.1f})",
                  number, result.throughput.quotes_per_second,
                  result.throughput.memory.resident / kMiB, result.throughput.memory.peak / kMiB));

  const std::string target = "/metrics/BTC-USD";
  TempDir nginx_directory;
  Nginx nginx{nginx_directory, target, service.get(target)};
  // Alternating who goes first evens out whatever the machine does meanwhile.
  const auto measure_ours = [&] {
    result.service_requests_per_second =
        requests_per_second(service.port(), target, options.wrk_seconds);
  };
  const auto measure_nginx = [&] {
    result.nginx_requests_per_second =
        requests_per_second(nginx.port(), target, options.wrk_seconds);
  };
  if (number % 2 == 1) {
    measure_ours();
    measure_nginx();
  } else {
    measure_nginx();
    measure_ours();
  }
  say(fmt::format("run {}: GET {} {:.0f} req/s, nginx {:.0f} req/s", number, target,
                  result.service_requests_per_second, result.nginx_requests_per_second));

  service.stop();

  // The same rows the service stored, loaded by PostgreSQL's COPY into an identical empty table.
  const auto rows_csv = directory / "rows.csv";
  psql(postgres, fmt::format("\\copy (SELECT {} FROM crypto_metrics ORDER BY id LIMIT {}) TO '{}' "
                             "WITH (FORMAT csv)",
                             kColumns, options.quotes, rows_csv.string()));
  result.scale_out = measure_scale_out(options, postgres, payloads, number);
  postgres.reset_database();
  migrate(directory, postgres);
  result.copy_rows_per_second = copy_rate(postgres, rows_csv, options.quotes);
  say(fmt::format("run {}: COPY of the same rows {:.0f} rows/s", number,
                  result.copy_rows_per_second));

  // The latency on a topic shaped like the service's own embedded one, 3 partitions keyed by
  // pair: the 32 partitions above only make room for the pre-produced quotes, and the embedded
  // broker's cost per fetch grows with them (at a 1 ms fetch wait it then took half a core and
  // put 30-50 ms on the p99). PostgreSQL first writes out what the earlier phases left dirty.
  postgres.reset_database();
  psql(postgres, "CHECKPOINT");
  TempDir latency_directory;
  kafka::EmbeddedBroker latency_broker{kTopic, kLatencyPartitions};
  StoredCounter latency_counter{postgres};
  ServiceUnderTest latency_service{latency_directory, postgres,
                                   latency_broker.bootstrap_servers()};
  result.latency = measure_latency(latency_service, latency_counter,
                                   latency_broker.bootstrap_servers(), options);
  say(fmt::format("run {}: {} quotes at {}/s, quote → visible p50 ≤ {} ms, p99 ≤ {} ms, "
                  "resident {:.1f} MiB",
                  number, result.latency.quotes, options.rate,
                  result.latency.p50_ms ? fmt::format("{}", *result.latency.p50_ms) : "?",
                  result.latency.p99_ms ? fmt::format("{}", *result.latency.p99_ms) : "?",
                  result.latency.resident / kMiB));
  latency_service.stop();
  return result;
}

template <typename Field>
std::optional<double> median_of(const std::vector<Repetition>& runs, Field field) {
  std::vector<double> values;
  for (const Repetition& run : runs) {
    if (const std::optional<double> value = field(run)) values.push_back(*value);
  }
  return median(values);
}

int run(const Options& options) {
  // The embedded broker logs through spdlog; stdout is for the table alone.
  spdlog::set_default_logger(spdlog::stderr_logger_st("bench"));
  say(fmt::format("{} quotes of {} pairs over {} partitions, {} repetitions", options.quotes,
                  kPairs.size(), options.partitions, options.repeat));
  const auto payloads = testing::make_quote_payloads(kPairs, options.quotes);
  PostgresServer postgres{PostgresServer::Durability::full};
  std::vector<Repetition> runs;
  for (int number = 1; number <= options.repeat; ++number) {
    runs.push_back(repeat_once(options, postgres, payloads, number));
  }

  const auto ours_rate = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.throughput.quotes_per_second;
  });
  const auto copy_rate_median = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.copy_rows_per_second;
  });
  const auto ours_requests = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.service_requests_per_second;
  });
  const auto nginx_requests = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.nginx_requests_per_second;
  });
  const auto p50 = median_of(runs, [](const Repetition& r) { return r.latency.p50_ms; });
  const auto p99 = median_of(runs, [](const Repetition& r) { return r.latency.p99_ms; });
  const auto peak = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.throughput.memory.peak / kMiB;
  });
  const auto end = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.throughput.memory.resident / kMiB;
  });
  const auto streaming = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.latency.resident / kMiB;
  });

  const auto ratio_at_least = [](std::optional<double> ours, std::optional<double> reference,
                                 double target) -> std::optional<bool> {
    if (!ours || !reference) return std::nullopt;
    return *ours / *reference >= target;
  };
  const std::string million = fmt::format("{} quotes", options.quotes);
  std::vector<Row> rows = {
      {"Kafka → PostgreSQL, quotes/s (" + million + ", 3 pairs; reference: COPY of the same rows)",
       ours_rate, copy_rate_median, "≥ 0.8", ratio_at_least(ours_rate, copy_rate_median, 0.8)},
      {"GET /metrics/BTC-USD, req/s (wrk -t1 -c32; reference: nginx, 1 worker, static file)",
       ours_requests, nginx_requests, "≥ 1.0", ratio_at_least(ours_requests, nginx_requests, 1.0)},
      {fmt::format("quote → visible p50 ms at {} quotes/s", options.rate), p50, std::nullopt, "–",
       p50 ? std::optional<bool>{true} : std::nullopt},
      {fmt::format("quote → visible p99 ms at {} quotes/s", options.rate), p99, std::nullopt,
       "< 10", p99 ? std::optional<bool>{*p99 < 10} : std::nullopt},
      {"resident memory after " + million + ", peak MiB", peak, std::nullopt, "< 64",
       peak ? std::optional<bool>{*peak < 64} : std::nullopt},
      {"resident memory after " + million + ", end MiB", end, std::nullopt, "< 64, flat",
       end ? std::optional<bool>{*end < 64} : std::nullopt},
      {fmt::format("resident memory after the quotes at {} quotes/s, MiB", options.rate),
       streaming, std::nullopt, "< 64", streaming ? std::optional<bool>{*streaming < 64} : std::nullopt},
  };
  const auto single = median_of(runs, [](const Repetition& r) -> std::optional<double> {
    return r.scale_out.quotes_per_second.front();
  });
  for (int count = 2; count <= options.instances; ++count) {
    const auto together = median_of(runs, [count](const Repetition& r) -> std::optional<double> {
      return r.scale_out.quotes_per_second.at(static_cast<std::size_t>(count - 1));
    });
    rows.push_back({fmt::format("{} instances in one group, quotes/s together (reference: one "
                                "instance; the same {} on this machine's 2 cores)",
                                count, million),
                    together, single, "–", together ? std::optional<bool>{true} : std::nullopt});
  }
  if (options.instances > 1) {
    const auto after_stop = median_of(
        runs, [](const Repetition& r) { return r.scale_out.handoff_after_stop_s; });
    const auto after_kill = median_of(
        runs, [](const Repetition& r) { return r.scale_out.handoff_after_kill_s; });
    rows.push_back({"partitions read again after an instance's SIGTERM, s", after_stop,
                    std::nullopt, "–", after_stop ? std::optional<bool>{true} : std::nullopt});
    if (options.instances > 2) {
      rows.push_back({"partitions read again after an instance's kill -9, s (session timeout 10 s)",
                      after_kill, std::nullopt, "≤ 20",
                      after_kill ? std::optional<bool>{*after_kill <= 20} : std::nullopt});
    }
  }
  std::cout << markdown_table(rows);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::string samples;
    for (const double mib : runs[i].throughput.resident_mib) {
      samples += fmt::format("{}{:.1f}", samples.empty() ? "" : " ", mib);
    }
    std::cout << fmt::format("\nrun {}: resident MiB at every tenth of the quotes: {}", i + 1,
                             samples);
  }
  std::cout << "\n(medians of " << runs.size()
            << " runs; latency figures are bucket upper bounds of the service's histogram)\n";
  return 0;
}

}  // namespace
}  // namespace cryptometrics::bench

int main(int argc, char** argv) {
  try {
    return cryptometrics::bench::run(cryptometrics::bench::parse_options(argc, argv));
  } catch (const std::exception& error) {
    std::cerr << "bench: " << error.what() << std::endl;
    return 1;
  }
}
