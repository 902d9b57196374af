// The soak: the real binary through a random schedule of faults, from a seed, while quotes and
// hostile messages stream in; then, from PostgreSQL and the producer's own log, the proof that
// nothing was lost, doubled or computed wrong. See docs/soak.md.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "soak/answers.h"
#include "soak/checker.h"
#include "soak/faults.h"
#include "soak/fleet.h"
#include "soak/journal.h"
#include "soak/options.h"
#include "soak/pacer.h"
#include "soak/producer.h"
#include "soak/schedule.h"
#include "soak/sent_log.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/service.h"
#include "support/small_disk.h"
#include "support/temp_dir.h"

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;

// Partitions of the topic: kafka-dev's default for one instance, two per instance for several.
int partitions_for(int instances) { return instances == 1 ? 3 : 2 * instances; }
constexpr char kSpoolDiskSize[] = "64m";
// Short, so that most stalls outlast it and the group hands the stalled instance's partitions on.
constexpr char kSessionTimeoutMs[] = "6000";
// Other instances show a pair as the store holds it within a second; this leaves room for a
// loaded machine.
constexpr auto kAnswersTimeout = 10s;
constexpr auto kReadyTimeout = 60s;
constexpr auto kFlushTimeout = 60s;
constexpr auto kDrainTimeout = 120s;
constexpr auto kSanitizedDrainTimeout = 300s;
constexpr auto kPoll = 500ms;

// Polls `done` until it holds or `timeout` passes; nothing else tells when the service is there.
template <typename Done>
bool poll_until(Done done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

std::pair<std::uint64_t, std::uint64_t> stored_counts(const testing::PostgresServer& postgres) {
  const auto row = postgres.query(
      "SELECT (SELECT count(*) FROM crypto_metrics), (SELECT count(*) FROM rejected_quotes)");
  return {std::stoull(row.at(0).at(0)), std::stoull(row.at(0).at(1))};
}

// Every instance ready, with an empty spool.
bool drained(const Fleet& fleet) {
  for (int at = 0; at < fleet.size(); ++at) {
    const auto ready = fleet.instance(at).readiness();
    if (!ready || (*ready)["storage"]["spool_depth"] != 0) return false;
  }
  return true;
}

// Rows left in the spool file, read by SQLite itself once the service is gone.
std::int64_t spooled_rows(const std::filesystem::path& spool) {
  SQLite::Database database{spool.string(), SQLite::OPEN_READONLY};
  return database
      .execAndGet(
          "SELECT (SELECT count(*) FROM crypto_metrics) +"
          " (SELECT count(*) FROM rejected_quotes)")
      .getInt64();
}

std::string minutes_text(double minutes) {
  std::ostringstream text;
  text << minutes;
  return text.str();
}

std::string faults_text(const std::map<FaultKind, int>& faults) {
  int total = 0;
  std::string kinds;
  for (const FaultKind kind : kFaultKinds) {
    const auto found = faults.find(kind);
    if (found == faults.end()) continue;
    total += found->second;
    kinds += (kinds.empty() ? "" : ", ") + std::string{name_of(kind)} + " " +
             std::to_string(found->second);
  }
  return std::to_string(total) + " faults (" + kinds + ")";
}

std::string reproduce_text(const Options& options) {
  return "reproduce: scripts/soak --seed " + std::to_string(options.seed) + " --minutes " +
         minutes_text(options.minutes) +
         (options.instances == 1 ? "" : " --instances " + std::to_string(options.instances)) +
         (options.sanitized ? " --sanitized" : "");
}

// "3 instances", empty for one.
std::string instances_text(int instances) {
  return instances == 1 ? "" : std::to_string(instances) + " instances";
}

std::string windows_text(const std::vector<std::size_t>& windows) {
  std::string text;
  for (const std::size_t window : windows) {
    text += (text.empty() ? "" : ", ") + std::to_string(window);
  }
  return text;
}

int run(const Options& options) {
  Journal journal;
  journal.say("soak: seed " + std::to_string(options.seed) + ", " + minutes_text(options.minutes) +
              " min of faults, binary " + testing::crypto_metrics_binary().string() +
              (options.sanitized ? " (ASan and UBSan)" : ""));
  testing::TempDir directory;
  const std::filesystem::path logs =
      options.log_directory.empty() ? directory.path() : options.log_directory;
  std::filesystem::create_directories(logs);
  testing::PostgresServer postgres;
  const testing::SmallDisk spool_disk{directory / "spool-disk", kSpoolDiskSize};
  const int partitions = partitions_for(options.instances);
  testing::KafkaDev broker{directory, partitions};
  Schedule schedule{options.seed, std::chrono::seconds{options.longest_fault_seconds},
                    options.instances};
  SentLog log{partitions, logs / "sent.log"};
  Fleet fleet{options.instances,
              directory,
              {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()},
               {"KAFKA_SESSION_TIMEOUT_MS", kSessionTimeoutMs},
               {"DB_HOST", "127.0.0.1"},
               {"DB_PORT", std::to_string(postgres.port())},
               {"DB_NAME", "crypto_metrics_test"},
               {"DB_USER", "postgres"},
               {"LOG_LEVEL", "info"}},
              spool_disk.path(),
              options.sanitized,
              logs,
              journal};
  fleet.start(schedule.first_window());
  if (!poll_until([&] { return fleet.ready(); }, kReadyTimeout)) {
    throw std::runtime_error("the service was not ready within 60 s of its start");
  }
  std::string ports;
  for (int at = 0; at < fleet.size(); ++at) {
    ports += (ports.empty() ? "" : ", ") + std::to_string(fleet.instance(at).port());
  }
  journal.say((fleet.size() == 1 ? std::string{"service"} : instances_text(fleet.size())) +
              " ready on " + std::to_string(partitions) + " partitions, HTTP on " + ports +
              ", SMA_WINDOW " + std::to_string(schedule.first_window()) +
              "; producer starts, up to " + std::to_string(options.top_rate) + " messages/s");

  Producer producer{broker.bootstrap_servers(), options.seed, options.top_rate, log};
  std::map<FaultKind, int> faults_done;
  {
    const Pacer pacer{broker.bootstrap_servers(), fleet, log, producer, journal, postgres};
    producer.start();
    Faults faults{postgres, broker, spool_disk, fleet, journal};
    const auto end = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::duration<double, std::ratio<60>>{options.minutes});
    for (;;) {
      const auto pause = schedule.next_pause();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (pause >= left) {
        fleet.watch(left);
        break;
      }
      fleet.watch(pause);
      const Fault fault = schedule.next_fault();
      faults.inject(fault);
      ++faults_done[fault.kind];
    }
    const int undelivered = producer.stop(kFlushTimeout);
    if (undelivered > 0) {
      journal.fail(std::to_string(undelivered) + " messages never delivered by the broker");
    }
    journal.say("faults over, producer stopped; largest uncommitted backlog " +
                std::to_string(pacer.largest_backlog_bytes() / 1024) + " KiB in a partition");
  }
  const SentLog::Counts sent = log.counts();
  journal.say(std::to_string(sent.valid) + " quotes and " + std::to_string(sent.invalid) +
              " invalid messages delivered; waiting for the service to store them");

  const bool stored_all = poll_until(
      [&] {
        if (!drained(fleet)) return false;
        const auto [quotes, rejections] = stored_counts(postgres);
        return quotes >= sent.valid && rejections >= sent.invalid;
      },
      options.sanitized ? kSanitizedDrainTimeout : kDrainTimeout);
  if (!stored_all)
    journal.fail("the service did not store everything, ready with an empty spool, in time");
  std::vector<std::string> unlike;
  poll_until(
      [&] {
        unlike = answers_unlike_store(fleet, postgres);
        return unlike.empty();
      },
      kAnswersTimeout);
  for (const std::string& problem : unlike) journal.fail("answered unlike the store: " + problem);
  fleet.terminate();
  for (const auto& spool : fleet.spools()) {
    if (const std::int64_t left = spooled_rows(spool); left != 0) {
      journal.fail(std::to_string(left) + " rows left in the spool " + spool.string());
    }
  }

  const std::vector<std::size_t>& windows = fleet.windows();
  const Verdict verdict =
      Checker{log, windows, low_watermarks(broker.bootstrap_servers(), partitions), journal}.check(
          postgres);
  const std::uint64_t lost_upstream_counted = fleet.lost_upstream();
  if (lost_upstream_counted != 0) {
    journal.fail("the service counted " + std::to_string(lost_upstream_counted) +
                 " messages lost upstream (deleted by the broker before it read them)");
  }
  journal.say("resident memory at most " + std::to_string(fleet.peak_resident_kib() / 1024) +
              " MiB per instance (bound " + std::to_string(fleet.resident_bound_kib() / 1024) +
              " MiB)");

  const auto failures = journal.failures();
  std::ostringstream last;
  last << "soak: " << (failures.empty() ? "" : "FAILED ") << "seed " << options.seed << ", "
       << minutes_text(options.minutes) << " min, "
       << (options.instances == 1 ? "" : instances_text(options.instances) + ", ")
       << faults_text(faults_done) << ", " << verdict.quotes << " quotes, " << verdict.rejected
       << " rejected, " << verdict.lost << " lost, " << verdict.duplicated << " duplicated, "
       << verdict.wrong << " wrong";
  if (verdict.lost_upstream != 0) last << ", " << verdict.lost_upstream << " lost upstream";
  if (verdict.copied_upstream != 0) {
    last << ", " << verdict.copied_upstream << " copied upstream (stored once each)";
  }
  last << "; moving_avg of each row held to the window of its run, runs in order (SMA_WINDOW "
       << windows_text(windows) << "); every instance answered every pair as stored";
  if (!failures.empty()) {
    last << "; " << failures.size() << " failures above; " << reproduce_text(options);
  }
  std::cout << last.str() << std::endl;
  return failures.empty() ? 0 : 1;
}

}  // namespace
}  // namespace cryptometrics::soak

int main(int argc, char** argv) {
  using namespace cryptometrics::soak;
  for (int at = 1; at < argc; ++at) {
    if (std::string_view{argv[at]} == "--help") {
      std::cout << usage();
      return 0;
    }
  }
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const std::invalid_argument& error) {
    std::cerr << "soak: " << error.what() << "\n\n" << usage();
    return 2;
  }
  // A service killed mid-write must not take the soak with it.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::cout << "soak: FAILED seed " << options.seed << ": " << error.what() << "; "
              << reproduce_text(options) << std::endl;
    return 1;
  }
}
