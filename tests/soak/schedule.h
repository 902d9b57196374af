#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "support/postgres_server.h"

namespace cryptometrics::soak {

// Independent random streams of one seed, so that drawing more of one (messages, at a rate that
// depends on the machine) never shifts another (the faults).
enum class Stream : std::uint64_t { faults = 1, rates = 2, messages = 3 };
std::mt19937_64 random_stream(std::uint64_t seed, Stream stream);

enum class FaultKind {
  kill9,            // SIGKILL, then a restart
  sigterm,          // SIGTERM (exit 0 expected), then a restart
  double_sigterm,   // two SIGTERMs 10 ms apart (exit 0 expected), then a restart
  postgres_stop,    // PostgreSQL stopped, fast or immediate, then started
  postgres_slow,    // a transaction holds an exclusive lock on crypto_metrics
  broker_down,      // kafka-dev's broker down, then up
  spool_disk_full,  // PostgreSQL stopped and the spool's disk filled, then both undone
  http_abuse,       // malformed and hostile requests, and event streams that never read
  new_window,       // SIGTERM to every instance, then restarts with another SMA_WINDOW
  stall,            // SIGSTOP, often past the group's session timeout, then SIGCONT
};
inline constexpr std::array kFaultKinds = {FaultKind::kill9,           FaultKind::sigterm,
                                           FaultKind::double_sigterm,  FaultKind::postgres_stop,
                                           FaultKind::postgres_slow,   FaultKind::broker_down,
                                           FaultKind::spool_disk_full, FaultKind::http_abuse,
                                           FaultKind::new_window,      FaultKind::stall};

// "kill9", "sigterm", ...: the names in the soak's last line.
std::string_view name_of(FaultKind kind);

struct Fault {
  int number = 0;  // 1, 2, ... in the schedule's order
  FaultKind kind = FaultKind::kill9;
  std::chrono::seconds duration{0};  // for the kinds that last
  testing::PostgresServer::StopMode stop_mode = testing::PostgresServer::StopMode::fast;
  std::size_t window = 0;  // new_window: the new SMA_WINDOW
  // The instance a kill, stop, stall or HTTP abuse is done to, counted from 0; -1 when the soak
  // runs one instance.
  int instance = -1;

  // "postgres stopped (immediate) for 7 s", "instance-2 paused (SIGSTOP) for 9 s"
  std::string description() const;
};

// The faults, the pauses between them and the service's SMA_WINDOW, all from the seed and the
// number of instances alone.
class Schedule {
 public:
  Schedule(std::uint64_t seed, std::chrono::seconds longest_fault, int instances);

  // The SMA_WINDOW of the first run.
  std::size_t first_window() const { return first_window_; }
  // How long to wait before the next fault.
  std::chrono::milliseconds next_pause();
  Fault next_fault();

 private:
  std::chrono::seconds duration(int shortest, int longest);

  std::mt19937_64 random_;
  std::chrono::seconds longest_fault_;
  int instances_;
  std::size_t first_window_;
  std::size_t window_;
  int faults_ = 0;
};

// The producer's rate, changing every few seconds: log-uniform between 100 and `top` quotes per
// second, so that quiet stretches are as common as floods; and the pauses between messages over
// 1 MiB, which must stay rare (the broker keeps 5 MiB per partition).
class Rates {
 public:
  Rates(std::uint64_t seed, int top);

  struct Step {
    double per_second = 0;
    std::chrono::milliseconds lasts{0};
  };
  Step next();
  std::chrono::milliseconds next_large_gap();

 private:
  std::mt19937_64 random_;
  int top_;
};

}  // namespace cryptometrics::soak
