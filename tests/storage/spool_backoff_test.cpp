#include <gtest/gtest.h>

#include <chrono>
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

}  // namespace
}  // namespace cryptometrics::storage::spool
