#include "soak/message_maker.h"

#include <array>
#include <ctime>

#include "soak/schedule.h"
#include "support/hostile_messages.h"

namespace cryptometrics::soak {
namespace {

using testing::Units;

struct PairSpec {
  std::string_view name;
  std::string_view level;  // where its walk starts
  int digits;              // fractional digits of its prices, at most 18
};

// From yen without decimals to a price just below the largest accepted (below 10^15) with all
// 18 fractional digits: the edges of what the service must keep exactly.
constexpr std::array<PairSpec, 10> kPairs{{
    {"BTC-USD", "90000", 2},
    {"ETH-USD", "3000", 2},
    {"LTC-USD", "80", 2},
    {"SOL-USD", "150", 3},
    {"XRP-USD", "0.5", 5},
    {"DOGE-USD", "0.1", 6},
    {"ADA-EUR", "0.4", 6},
    {"SHIB-USD", "0.00001", 18},
    {"BTC-JPY", "13000000", 0},
    {"WIDE-USD", "500000000000000", 18},
}};

constexpr double kInvalidShare = 0.01;
constexpr double kTickerShare = 0.3;
constexpr std::size_t kLargeBytes = 1024 * 1024;
constexpr int kLargeExtraBytes = 64 * 1024;
// Quote times walk from here, a millisecond a message; RFC 3339 or epoch seconds.
constexpr std::time_t kFirstTime = 1'795'484'378;

Units tick_of(const PairSpec& spec) {
  Units tick = 1;
  for (std::size_t digit = static_cast<std::size_t>(spec.digits); digit < testing::kDigits;
       ++digit) {
    tick *= 10;
  }
  return tick;
}

std::string rfc3339(std::time_t seconds, int microseconds) {
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 16> fraction{};
  std::snprintf(fraction.data(), fraction.size(), ".%06dZ", microseconds);
  return std::string{text.data(), length} + fraction.data();
}

std::string json_string(std::string_view text) { return "\"" + std::string{text} + "\""; }

}  // namespace

MessageMaker::MessageMaker(std::uint64_t seed)
    : random_{random_stream(seed, Stream::messages)}, hostile_{testing::hostile_messages()} {
  for (const PairSpec& spec : kPairs) bids_.push_back(testing::parse_units(spec.level));
}

const std::vector<std::string>& MessageMaker::pairs() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const PairSpec& spec : kPairs) all.emplace_back(spec.name);
    return all;
  }();
  return names;
}

Message MessageMaker::next() {
  ++made_;
  if (std::bernoulli_distribution{kInvalidShare}(random_)) return invalid();
  return quote(any_pair());
}

std::uint8_t MessageMaker::any_pair() {
  return static_cast<std::uint8_t>(
      std::uniform_int_distribution<std::size_t>{0, kPairs.size() - 1}(random_));
}

std::pair<Units, Units> MessageMaker::step(std::uint8_t pair) {
  const PairSpec& spec = kPairs[pair];
  const Units tick = tick_of(spec);
  const Units level = testing::parse_units(spec.level);
  Units& bid = bids_[pair];
  // Up to 5 basis points either way, in whole ticks; back to the start when it strays beyond
  // half or twice it (below 2 x 5 * 10^14: under the largest price accepted).
  const int basis_points = std::uniform_int_distribution<int>{-5, 5}(random_);
  bid += bid * basis_points / 10'000 / tick * tick;
  if (bid < level / 2 || bid > level * 19 / 10) bid = level;
  const int spread_ticks = std::uniform_int_distribution<int>{0, 10}(random_);
  return {bid, bid + spread_ticks * tick};
}

std::string MessageMaker::price_json(std::uint8_t pair, Units price) {
  std::string text = testing::text_of(price);
  // Trailing zeros up to the pair's precision: the same price, which must be stored as such.
  if (std::bernoulli_distribution{0.2}(random_) && kPairs[pair].digits > 0) {
    const auto point = text.find('.');
    if (point == std::string::npos) text += '.';
    const std::size_t fraction = text.size() - text.find('.') - 1;
    text.append(static_cast<std::size_t>(kPairs[pair].digits) - fraction, '0');
    if (text.back() == '.') text.pop_back();
  }
  return std::bernoulli_distribution{0.5}(random_) ? json_string(text) : text;
}

std::string MessageMaker::time_field() {
  const std::time_t seconds = kFirstTime + static_cast<std::time_t>(made_ / 1000);
  const int microseconds = static_cast<int>(made_ % 1000) * 1000;
  switch (std::uniform_int_distribution<int>{0, 9}(random_)) {
    case 0:
      return "";  // the Kafka timestamp stands in
    case 1:
      return R"(,"timestamp":)" + std::to_string(seconds) + "." + std::to_string(microseconds);
    // The first and last instants RFC 3339 can name, both valid.
    case 2:
      return R"(,"timestamp":"0001-01-01T00:00:00Z")";
    case 3:
      return R"(,"timestamp":"9999-12-31T23:59:59.999999Z")";
    default:
      return R"(,"timestamp":)" + json_string(rfc3339(seconds, microseconds));
  }
}

Message MessageMaker::quote(std::uint8_t pair) {
  const auto [bid, ask] = step(pair);
  Message message{.key = std::string{kPairs[pair].name},
                  .payload = {},
                  .valid = true,
                  .pair = pair,
                  .bid = bid,
                  .ask = ask,
                  .kind = "quote"};
  if (std::bernoulli_distribution{kTickerShare}(random_)) {
    // A Coinbase ticker's prices are strings.
    message.kind = "ticker";
    message.payload =
        R"({"type":"ticker","sequence":)" + std::to_string(made_) + R"(,"product_id":")" +
        message.key + R"(","price":)" + json_string(testing::text_of(bid)) + R"(,"best_bid":)" +
        json_string(testing::text_of(bid)) + R"(,"best_ask":)" +
        json_string(testing::text_of(ask)) + R"(,"time":)" +
        json_string(rfc3339(kFirstTime + static_cast<std::time_t>(made_ / 1000), 0)) + "}";
    return message;
  }
  message.payload = R"({"pair":")" + message.key + R"(","bid":)" + price_json(pair, bid) +
                    R"(,"ask":)" + price_json(pair, ask) + time_field() + "}";
  return message;
}

Message MessageMaker::invalid() {
  const std::uint8_t pair = any_pair();
  Message message{.key = std::string{kPairs[pair].name}, .payload = {}, .valid = false, .kind = {}};
  const auto [bid, ask] = step(pair);
  const std::string prices =
      R"("bid":")" + testing::text_of(bid) + R"(","ask":")" + testing::text_of(ask) + "\"";
  const std::string pair_field = R"("pair":")" + message.key + "\",";
  switch (std::uniform_int_distribution<int>{0, 9}(random_)) {
    case 0: {
      // Outside years 0001 to 9999 in UTC, the offsets included.
      static constexpr std::array<std::string_view, 6> kTimes = {R"("0000-06-01T00:00:00Z")",
                                                                 R"("10000-01-01T00:00:00Z")",
                                                                 R"("0001-01-01T00:00:00+01:00")",
                                                                 R"("9999-12-31T23:30:00-01:00")",
                                                                 "-1",
                                                                 "253402300800"};
      message.kind = "time out of range";
      message.payload = "{" + pair_field + prices + R"(,"timestamp":)" +
                        std::string{kTimes[random_() % kTimes.size()]} + "}";
      break;
    }
    case 1: {
      // 19 to 30 fractional digits, the last one not 0: rounding would change the price.
      const int digits = std::uniform_int_distribution<int>{19, 30}(random_);
      std::string fraction;
      for (int digit = 1; digit < digits; ++digit)
        fraction += static_cast<char>('0' + random_() % 10);
      fraction += static_cast<char>('1' + random_() % 9);
      message.kind = "price too precise";
      message.payload = "{" + pair_field + R"("bid":1.)" + fraction + R"(,"ask":"2.5"})";
      break;
    }
    case 2:
      message.kind = "ask below bid";
      message.payload = "{" + pair_field + R"("bid":")" +
                        testing::text_of(ask + tick_of(kPairs[pair])) + R"(","ask":")" +
                        testing::text_of(ask) + "\"}";
      break;
    case 3: {
      static constexpr std::array<std::string_view, 5> kPairsNot = {
          "BTCUSD", "B-USD", "BITCOINISBEST-USD", "BTC_USD", "BTC-US$"};
      message.kind = "bad pair";
      message.payload = R"({"pair":")" + std::string{kPairsNot[random_() % kPairsNot.size()]} +
                        "\"," + prices + "}";
      break;
    }
    case 4:
      message.kind = "missing field";
      message.payload = "{" + pair_field + R"("bid":")" + testing::text_of(bid) + "\"}";
      break;
    default:
      message.kind = "hostile";
      message.payload = hostile_[random_() % hostile_.size()];
      break;
  }
  return message;
}

Message MessageMaker::large() {
  const std::size_t bytes =
      kLargeBytes +
      static_cast<std::size_t>(std::uniform_int_distribution<int>{1, kLargeExtraBytes}(random_));
  if (large_made_++ % 2 == 0) {
    Message message = quote(any_pair());
    const std::string ticker = R"({"type":"ticker","product_id":")" + message.key +
                               R"(","best_bid":")" + testing::text_of(message.bid) +
                               R"(","best_ask":")" + testing::text_of(message.ask) +
                               R"(","time":"2026-11-25T12:00:00Z","note":")";
    message.kind = "large ticker";
    message.payload = ticker + std::string(bytes - ticker.size() - 2, 'n') + "\"}";
    return message;
  }
  const auto both = testing::large_messages(bytes);
  return {.key = std::string{kPairs[any_pair()].name},
          .payload = both[random_() % both.size()],
          .valid = false,
          .kind = "large"};
}

}  // namespace cryptometrics::soak
