#include "soak/schedule.h"

#include <algorithm>
#include <cmath>

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;

constexpr int kShortestPauseMs = 3'000;
constexpr int kLongestPauseMs = 10'000;
constexpr std::size_t kLongestWindow = 50;
constexpr double kLowestRate = 100;
constexpr int kShortestRateStepMs = 2'000;
constexpr int kLongestRateStepMs = 6'000;
constexpr int kShortestLargeGapMs = 5'000;
constexpr int kLongestLargeGapMs = 15'000;

int uniform(std::mt19937_64& random, int lowest, int highest) {
  return std::uniform_int_distribution<int>{lowest, highest}(random);
}

// The faults that befall one instance; the others befall the parts all instances share, or
// (a new SMA_WINDOW) every instance.
bool done_to_one_instance(FaultKind kind) {
  return kind == FaultKind::kill9 || kind == FaultKind::sigterm ||
         kind == FaultKind::double_sigterm || kind == FaultKind::http_abuse ||
         kind == FaultKind::stall;
}

}  // namespace

std::mt19937_64 random_stream(std::uint64_t seed, Stream stream) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                         static_cast<std::uint32_t>(stream)};
  return std::mt19937_64{sequence};
}

std::string_view name_of(FaultKind kind) {
  switch (kind) {
    case FaultKind::kill9:
      return "kill9";
    case FaultKind::sigterm:
      return "sigterm";
    case FaultKind::double_sigterm:
      return "sigterm2";
    case FaultKind::postgres_stop:
      return "pg-stop";
    case FaultKind::postgres_slow:
      return "pg-slow";
    case FaultKind::broker_down:
      return "broker-down";
    case FaultKind::spool_disk_full:
      return "disk-full";
    case FaultKind::http_abuse:
      return "http-abuse";
    case FaultKind::new_window:
      return "sma-window";
    case FaultKind::stall:
      return "stall";
  }
  return "unknown";
}

std::string Fault::description() const {
  const std::string lasting = " for " + std::to_string(duration.count()) + " s";
  const std::string target = instance < 0 ? "service" : "instance-" + std::to_string(instance + 1);
  switch (kind) {
    case FaultKind::kill9:
      return target + " killed (SIGKILL), restarted";
    case FaultKind::sigterm:
      return target + " stopped (SIGTERM), restarted";
    case FaultKind::double_sigterm:
      return target + " stopped (two SIGTERMs 10 ms apart), restarted";
    case FaultKind::postgres_stop:
      return std::string{"postgres stopped ("} +
             (stop_mode == testing::PostgresServer::StopMode::immediate ? "immediate" : "fast") +
             ")" + lasting;
    case FaultKind::postgres_slow:
      return "postgres slow (crypto_metrics locked)" + lasting;
    case FaultKind::broker_down:
      return "broker down" + lasting;
    case FaultKind::spool_disk_full:
      return "postgres stopped and the spool's disk full" + lasting;
    case FaultKind::http_abuse:
      return "abusive HTTP requests to " + target + ", event streams that never read, held" +
             lasting;
    case FaultKind::new_window:
      return "every instance stopped (SIGTERM), restarted with SMA_WINDOW " +
             std::to_string(window);
    case FaultKind::stall:
      return target + " paused (SIGSTOP)" + lasting + ", then continued (SIGCONT)";
  }
  return "unknown fault";
}

Schedule::Schedule(std::uint64_t seed, std::chrono::seconds longest_fault, int instances)
    : random_{random_stream(seed, Stream::faults)},
      longest_fault_{longest_fault},
      instances_{instances},
      first_window_{static_cast<std::size_t>(uniform(random_, 1, kLongestWindow))},
      window_{first_window_} {}

std::chrono::milliseconds Schedule::next_pause() {
  return std::chrono::milliseconds{uniform(random_, kShortestPauseMs, kLongestPauseMs)};
}

std::chrono::seconds Schedule::duration(int shortest, int longest) {
  const int capped = std::min<int>(longest, static_cast<int>(longest_fault_.count()));
  return std::chrono::seconds{uniform(random_, std::min(shortest, capped), capped)};
}

Fault Schedule::next_fault() {
  Fault fault;
  fault.number = ++faults_;
  fault.kind = kFaultKinds[static_cast<std::size_t>(uniform(random_, 0, kFaultKinds.size() - 1))];
  switch (fault.kind) {
    case FaultKind::postgres_stop:
      fault.stop_mode = uniform(random_, 0, 1) == 0 ? testing::PostgresServer::StopMode::fast
                                                    : testing::PostgresServer::StopMode::immediate;
      fault.duration = duration(1, 30);
      break;
    case FaultKind::postgres_slow:
    case FaultKind::broker_down:
    case FaultKind::spool_disk_full:
      fault.duration = duration(1, 15);
      break;
    case FaultKind::http_abuse:
      fault.duration = duration(1, 10);
      break;
    case FaultKind::stall:
      // The soak's session timeout is 6 s: most stalls outlast it, some do not.
      fault.duration = duration(2, 20);
      break;
    case FaultKind::new_window: {
      // Another window than the one in force, so that every such restart changes it.
      std::size_t window = window_;
      while (window == window_)
        window = static_cast<std::size_t>(uniform(random_, 1, kLongestWindow));
      fault.window = window_ = window;
      break;
    }
    case FaultKind::kill9:
    case FaultKind::sigterm:
    case FaultKind::double_sigterm:
      break;
  }
  if (instances_ > 1 && done_to_one_instance(fault.kind)) {
    fault.instance = uniform(random_, 0, instances_ - 1);
  }
  return fault;
}

Rates::Rates(std::uint64_t seed, int top)
    : random_{random_stream(seed, Stream::rates)}, top_{top} {}

Rates::Step Rates::next() {
  const double exponent = std::uniform_real_distribution<double>{
      std::log(kLowestRate), std::log(static_cast<double>(top_))}(random_);
  return {std::exp(exponent),
          std::chrono::milliseconds{uniform(random_, kShortestRateStepMs, kLongestRateStepMs)}};
}

std::chrono::milliseconds Rates::next_large_gap() {
  return std::chrono::milliseconds{uniform(random_, kShortestLargeGapMs, kLongestLargeGapMs)};
}

}  // namespace cryptometrics::soak
