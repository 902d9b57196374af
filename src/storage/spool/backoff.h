#pragma once

#include <chrono>

namespace cryptometrics::storage::spool {

// The waits between attempts at something that keeps failing: `first`, then doubling, never
// longer than `longest`.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds longest);

  // The wait before the next attempt; the one after will be twice as long.
  std::chrono::milliseconds next();

  // Starts again from `first`, once an attempt succeeded.
  void reset();

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds longest_;
  std::chrono::milliseconds upcoming_;
};

}  // namespace cryptometrics::storage::spool
