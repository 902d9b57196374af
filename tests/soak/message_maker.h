#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/expected_metrics.h"

namespace cryptometrics::soak {

// One message for the topic, and what the service must make of it.
struct Message {
  std::string key;  // the pair, so that a pair's quotes stay in order on one partition
  std::string payload;
  bool valid = false;
  std::uint8_t pair = 0;            // valid: its index in MessageMaker::pairs()
  testing::Units bid = 0, ask = 0;  // valid: the prices it carries, exactly
  std::string_view kind;            // "quote", "ticker", or what makes it invalid
};

// Quotes of a dozen pairs, each a random walk at its own scale and precision (from 0 to 18
// fractional digits, prices up to just below the largest the service accepts), written in both
// formats the service reads, prices as JSON strings or bare numbers; and, about one in a hundred,
// a message the service must reject: the kinds of tests/e2e/hostile_input_test.cpp, times
// outside years 0001 to 9999, prices with more than 18 fractional digits, bad pairs, ask below
// bid. All from the seed.
class MessageMaker {
 public:
  explicit MessageMaker(std::uint64_t seed);

  static const std::vector<std::string>& pairs();

  Message next();
  // Over 1 MiB: a valid ticker carrying a huge field the service ignores, or a message that it
  // rejects (a huge pair or a huge ask), in turn.
  Message large();

 private:
  Message quote(std::uint8_t pair);
  Message invalid();
  // Moves the pair's bid a few basis points and returns it with an ask 0 to 10 ticks above.
  std::pair<testing::Units, testing::Units> step(std::uint8_t pair);
  // The price as JSON: a string or a bare number, sometimes with trailing zeros.
  std::string price_json(std::uint8_t pair, testing::Units price);
  std::string time_field();
  std::uint8_t any_pair();

  std::mt19937_64 random_;
  std::vector<testing::Units> bids_;
  std::vector<std::string> hostile_;
  std::uint64_t made_ = 0;
  std::uint64_t large_made_ = 0;
};

}  // namespace cryptometrics::soak
