#include "storage/spool/backoff.h"

#include <algorithm>

namespace cryptometrics::storage::spool {

Backoff::Backoff(std::chrono::milliseconds first, std::chrono::milliseconds longest)
    : first_{first}, longest_{std::max(first, longest)}, upcoming_{first} {}

std::chrono::milliseconds Backoff::next() {
  const auto wait = upcoming_;
  upcoming_ = std::min(upcoming_ * 2, longest_);
  return wait;
}

std::chrono::milliseconds Backoff::next_with_full_jitter(std::mt19937_64& random) {
  std::uniform_int_distribution<std::chrono::milliseconds::rep> draw{0, next().count()};
  return std::chrono::milliseconds{draw(random)};
}

void Backoff::reset() { upcoming_ = first_; }

}  // namespace cryptometrics::storage::spool
