#include "soak/fleet.h"

#include <algorithm>
#include <thread>

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;

// How often watch() looks for an instance that ended.
constexpr auto kWatchStep = 100ms;

}  // namespace

Fleet::Fleet(int instances, const testing::TempDir& directory,
             const std::map<std::string, std::string>& environment,
             const std::filesystem::path& spool_directory, bool sanitized,
             const std::filesystem::path& log_directory, Journal& journal) {
  for (int at = 1; at <= instances; ++at) {
    // One instance keeps the names of a service alone, and the default INSTANCE_ID.
    const std::string name = instances == 1 ? "service" : "instance-" + std::to_string(at);
    auto settings = environment;
    spools_.push_back(spool_directory / (name + ".spool.db"));
    settings["SPOOL_PATH"] = spools_.back().string();
    if (instances > 1) settings["INSTANCE_ID"] = name;
    instances_.push_back(std::make_unique<ServiceRuns>(name, directory, std::move(settings),
                                                       sanitized, log_directory, journal));
  }
}

void Fleet::start(std::size_t window) {
  windows_.push_back(window);
  for (const auto& instance : instances_) instance->start(window);
}

void Fleet::restart_with(std::size_t window) {
  terminate();
  start(window);
}

void Fleet::terminate() {
  for (const auto& instance : instances_) instance->terminate(1);
}

void Fleet::watch(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    for (const auto& instance : instances_) instance->check();
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= 0ms) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, kWatchStep));
  }
}

bool Fleet::ready() const {
  return std::all_of(instances_.begin(), instances_.end(),
                     [](const auto& instance) { return instance->readiness().has_value(); });
}

std::uint64_t Fleet::peak_resident_kib() const {
  std::uint64_t peak = 0;
  for (const auto& instance : instances_) peak = std::max(peak, instance->peak_resident_kib());
  return peak;
}

std::uint64_t Fleet::resident_bound_kib() const { return instances_.front()->resident_bound_kib(); }

std::uint64_t Fleet::lost_upstream() const {
  std::uint64_t lost = 0;
  for (const auto& instance : instances_) lost += instance->lost_upstream();
  return lost;
}

}  // namespace cryptometrics::soak
