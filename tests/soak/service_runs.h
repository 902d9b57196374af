#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "soak/journal.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cryptometrics::soak {

// One instance of the service: its processes, one after another on one HTTP port, each started
// with the soak's settings and an SMA_WINDOW, stopped, killed or paused when the schedule says,
// its end held to what was expected (the exit code, and no sanitizer or abort message in its
// stderr). A thread samples the running one's resident memory and its count of messages lost
// upstream every second. Every method but the getters belongs to one thread, the soak's.
class ServiceRuns {
 public:
  // `name`: the instance in the journal and in the names of its logs ("service" alone, or
  // "instance-2"). `environment`: everything but SMA_WINDOW and HTTP_PORT. `log_directory`:
  // where each run's stderr is kept, as <name>-<run>.log, unless empty.
  ServiceRuns(std::string name, const testing::TempDir& directory,
              std::map<std::string, std::string> environment, bool sanitized,
              std::filesystem::path log_directory, Journal& journal);
  // Kills a run still going.
  ~ServiceRuns();

  ServiceRuns(const ServiceRuns&) = delete;
  ServiceRuns& operator=(const ServiceRuns&) = delete;

  const std::string& name() const { return name_; }
  unsigned short port() const { return port_; }
  std::size_t window() const { return window_; }

  // Starts a run with `window`; returns once it serves HTTP. Throws when it cannot start.
  void start(std::size_t window);
  // SIGKILL; exit code 137 expected.
  void kill();
  // `signals` SIGTERMs 10 ms apart; exit code 0 expected.
  void terminate(int signals);
  // A run that ended though nobody asked died: a failure, and a new run with the same window
  // takes over.
  void check();
  // SIGSTOP: the process stays, answering nothing, until `resume` (SIGCONT).
  void pause();
  void resume();
  // The body of /readyz when it answers 200; nullopt while paused, not serving or not ready.
  std::optional<nlohmann::json> readiness() const;

  std::uint64_t peak_resident_kib() const;
  std::uint64_t resident_bound_kib() const { return resident_bound_kib_; }
  // Messages the runs counted as deleted by the broker before they were read.
  std::uint64_t lost_upstream() const;

 private:
  // Waits for the running process to end, checks its exit code against `expected` and its
  // stderr, and keeps its log.
  void finish(int expected, std::string_view how);
  void sample();
  // GET `target`; nullopt when paused or not answering.
  std::optional<testing::HttpResponse> ask(std::string_view target) const;

  const std::string name_;
  const testing::TempDir& directory_;
  std::map<std::string, std::string> environment_;
  const bool sanitized_;
  const std::filesystem::path log_directory_;
  Journal& journal_;
  const unsigned short port_;
  const std::uint64_t resident_bound_kib_;
  std::size_t window_ = 0;
  std::size_t runs_ = 0;
  // Held while asking over HTTP and while pausing: a request in flight to a paused process
  // would wait for the HTTP client's timeout.
  mutable std::mutex asking_;
  bool paused_ = false;

  // Shared with the sampler.
  mutable std::mutex mutex_;
  std::condition_variable stop_sampling_;
  bool stopping_ = false;
  std::unique_ptr<testing::Process> running_;
  std::uint64_t peak_resident_kib_ = 0;
  bool over_bound_reported_ = false;
  std::vector<std::uint64_t> lost_upstream_;  // by run, the highest count it answered
  std::thread sampler_;
};

}  // namespace cryptometrics::soak
