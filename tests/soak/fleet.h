#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "soak/journal.h"
#include "soak/service_runs.h"
#include "support/temp_dir.h"

namespace cryptometrics::soak {

// The service instances of a soak, in one consumer group on one PostgreSQL: each with its own
// HTTP port, spool and, when there are several, INSTANCE_ID. Every method but ready() belongs to
// the soak's thread.
class Fleet {
 public:
  // `environment`: what every instance shares (Kafka, PostgreSQL); each spool goes in
  // `spool_directory`.
  Fleet(int instances, const testing::TempDir& directory,
        const std::map<std::string, std::string>& environment,
        const std::filesystem::path& spool_directory, bool sanitized,
        const std::filesystem::path& log_directory, Journal& journal);

  int size() const { return static_cast<int>(instances_.size()); }
  ServiceRuns& instance(int at) { return *instances_.at(static_cast<std::size_t>(at)); }
  const ServiceRuns& instance(int at) const { return *instances_.at(static_cast<std::size_t>(at)); }
  const std::vector<std::filesystem::path>& spools() const { return spools_; }

  // Starts every instance with `window`, one after another.
  void start(std::size_t window);
  // Stops every instance (SIGTERM), then starts them all with `window`: no row of the old window
  // follows one of the new.
  void restart_with(std::size_t window);
  // Stops every instance (SIGTERM).
  void terminate();
  // Lets `duration` pass; an instance that dies meanwhile is restarted (ServiceRuns::check).
  void watch(std::chrono::milliseconds duration);
  // Every instance answers /readyz with 200. Any thread.
  bool ready() const;

  // The SMA_WINDOW of the runs, in order, each once.
  const std::vector<std::size_t>& windows() const { return windows_; }
  std::uint64_t peak_resident_kib() const;
  std::uint64_t resident_bound_kib() const;
  std::uint64_t lost_upstream() const;

 private:
  std::vector<std::unique_ptr<ServiceRuns>> instances_;
  std::vector<std::filesystem::path> spools_;
  std::vector<std::size_t> windows_;
};

}  // namespace cryptometrics::soak
