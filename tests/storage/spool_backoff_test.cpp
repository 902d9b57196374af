#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <vector>

#include "storage/spool/backoff.h"

namespace cryptometrics::storage::spool {
namespace {

using std::chrono::milliseconds;

std::vector<milliseconds> waits(Backoff& backoff, int count) {
  std::vector<milliseconds> taken;
  for (int index = 0; index < count; ++index) {
    taken.push_back(backoff.next());
  }
  return taken;
}

TEST(Backoff, DoublesFromOneSecondToThirtyAndStaysThere) {
  Backoff backoff{milliseconds{1000}, milliseconds{30000}};

  EXPECT_EQ(waits(backoff, 7),
            (std::vector<milliseconds>{milliseconds{1000}, milliseconds{2000}, milliseconds{4000},
                                       milliseconds{8000}, milliseconds{16000}, milliseconds{30000},
                                       milliseconds{30000}}));
}

TEST(Backoff, StartsOverAfterAReset) {
  Backoff backoff{milliseconds{1000}, milliseconds{30000}};
  waits(backoff, 4);

  backoff.reset();

  EXPECT_EQ(backoff.next(), milliseconds{1000});
}

TEST(Backoff, FullJitterDrawsFromZeroToTheDoublingCeiling) {
  Backoff backoff{milliseconds{1000}, milliseconds{60000}};
  std::mt19937_64 random{42};
  const std::vector<milliseconds> ceilings{milliseconds{1000}, milliseconds{2000},
                                           milliseconds{4000}, milliseconds{8000}};

  for (const auto ceiling : ceilings) {
    const auto wait = backoff.next_with_full_jitter(random);
    EXPECT_GE(wait, milliseconds{0});
    EXPECT_LE(wait, ceiling);
  }
  EXPECT_EQ(backoff.next(), milliseconds{16000});
}

TEST(Backoff, FullJitterSpreadsTheWaitsOverTheWholeRange) {
  std::mt19937_64 random{7};
  std::set<milliseconds::rep> tenths;
  milliseconds shortest{60000};

  for (int attempt = 0; attempt < 200; ++attempt) {
    Backoff backoff{milliseconds{10000}, milliseconds{60000}};
    const auto wait = backoff.next_with_full_jitter(random);
    tenths.insert(wait.count() / 1000);
    shortest = std::min(shortest, wait);
  }

  EXPECT_EQ(tenths.size(), 10U) << "every tenth of 0..10 s drawn at least once in 200 draws";
  EXPECT_LT(shortest, milliseconds{1000});
}

}  // namespace
}  // namespace cryptometrics::storage::spool
