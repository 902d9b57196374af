#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "soak/journal.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cryptometrics::soak {

// The service's processes, one after another on one HTTP port: each started with the soak's
// settings and an SMA_WINDOW, stopped or killed when the schedule says, its end held to what was
// expected (the exit code, and no sanitizer or abort message in its stderr). A thread samples
// the running one's resident memory and its count of messages lost upstream every second.
// Every method but the getters belongs to one thread, the soak's.
class ServiceRuns {
 public:
  // `environment`: everything but SMA_WINDOW and HTTP_PORT. `log_directory`: where each run's
  // stderr is kept, unless empty.
  ServiceRuns(const testing::TempDir& directory, std::map<std::string, std::string> environment,
              bool sanitized, std::filesystem::path log_directory, Journal& journal);
  // Kills a run still going.
  ~ServiceRuns();

  ServiceRuns(const ServiceRuns&) = delete;
  ServiceRuns& operator=(const ServiceRuns&) = delete;

  unsigned short port() const { return port_; }
  std::size_t window() const { return window_; }

  // Starts a run with `window`; returns once it serves HTTP. Throws when it cannot start.
  void start(std::size_t window);
  // SIGKILL; exit code 137 expected.
  void kill();
  // `signals` SIGTERMs 10 ms apart; exit code 0 expected.
  void terminate(int signals);
  // Lets `duration` pass. A run that ends meanwhile died unasked: a failure, and a new run with
  // the same window takes over.
  void watch(std::chrono::milliseconds duration);

  // The SMA_WINDOW of every run, in the order they started.
  std::vector<std::size_t> windows() const { return windows_; }
  std::uint64_t peak_resident_kib() const;
  std::uint64_t resident_bound_kib() const { return resident_bound_kib_; }
  // Messages the runs counted as deleted by the broker before they were read.
  std::uint64_t lost_upstream() const;

 private:
  // Waits for the running process to end, checks its exit code against `expected` and its
  // stderr, and keeps its log.
  void finish(int expected, std::string_view how);
  void sample();

  const testing::TempDir& directory_;
  std::map<std::string, std::string> environment_;
  const bool sanitized_;
  const std::filesystem::path log_directory_;
  Journal& journal_;
  const unsigned short port_;
  const std::uint64_t resident_bound_kib_;
  std::size_t window_ = 0;
  std::vector<std::size_t> windows_;

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
