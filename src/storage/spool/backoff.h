#pragma once

#include <chrono>
#include <random>

namespace cryptometrics::storage::spool {

// The waits between attempts at something that keeps failing: `first`, then doubling, never
// longer than `longest`.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds longest);

  // The wait before the next attempt; the one after will be twice as long.
  std::chrono::milliseconds next();

  // "Full jitter": a wait drawn evenly from zero to what next() gives, so that clients that lost
  // a server together do not all come back at the same moments.
  std::chrono::milliseconds next_with_full_jitter(std::mt19937_64& random);

  // Starts again from `first`, once an attempt succeeded.
  void reset();

 private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds longest_;
  std::chrono::milliseconds upcoming_;
};

}  // namespace cryptometrics::storage::spool
