#include "simulator/random_walk.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <variant>

#include "market/pair.h"

namespace cryptometrics::simulator {
namespace {

struct StartingLevel {
  std::string_view base;
  double price;
};

// Roughly where these traded against the dollar when the simulator was written.
constexpr std::array kStartingLevels{
    StartingLevel{"BTC", 90'000.0}, StartingLevel{"ETH", 3'000.0}, StartingLevel{"LTC", 80.0},
    StartingLevel{"SOL", 140.0},    StartingLevel{"XRP", 0.6},     StartingLevel{"DOGE", 0.1},
    StartingLevel{"ADA", 0.4},
};

// Quote currencies close enough to the dollar for the levels above.
constexpr std::array<std::string_view, 4> kDollarLikeQuotes{"USD", "USDT", "USDC", "EUR"};

// One step moves the mid price by a few basis points (the standard deviation of its logarithm).
constexpr double kVolatility = 0.0003;

// The walk never goes below this many ticks, leaving room for the spread under the mid price.
constexpr double kFloorTicks = 100.0;

// Spreads are 1 to 10 ticks or 0.5 to 5 basis points of the mid price, whichever is larger.
constexpr int kMinSpreadTicks = 1;
constexpr int kMaxSpreadTicks = 10;
constexpr double kMinSpreadBasisPoints = 0.5;
constexpr double kMaxSpreadBasisPoints = 5.0;

// FNV-1a: stable across runs and platforms, unlike std::hash.
std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t hash = 14'695'981'039'346'656'037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1'099'511'628'211ull;
  }
  return hash;
}

double starting_level(std::string_view pair) {
  const std::size_t dash = pair.find('-');
  const std::string_view base = pair.substr(0, dash);
  const std::string_view quote = pair.substr(dash + 1);
  if (std::ranges::find(kDollarLikeQuotes, quote) != kDollarLikeQuotes.end()) {
    const auto known = std::ranges::find(kStartingLevels, base, &StartingLevel::base);
    if (known != kStartingLevels.end()) return known->price;
  }
  // Anywhere from 1 to 1000, evenly on a log scale, and the same on every run.
  const double position = static_cast<double>(stable_hash(pair) % 1'000'000) / 1'000'000.0;
  return std::pow(10.0, 3.0 * position);
}

// Cents for prices of a unit and more; below that, enough digits to move smoothly.
double tick_for(double level) {
  if (level >= 1.0) return 0.01;
  if (level >= 0.2) return 0.0001;
  return 0.00001;
}

// "1234" ticks of 0.01 -> "12.34", exactly.
std::string price_text(std::int64_t ticks, int decimals) {
  std::string digits = std::to_string(ticks);
  if (digits.size() <= static_cast<std::size_t>(decimals)) {
    digits.insert(0, static_cast<std::size_t>(decimals) + 1 - digits.size(), '0');
  }
  digits.insert(digits.size() - static_cast<std::size_t>(decimals), 1, '.');
  return digits;
}

market::Decimal price(std::int64_t ticks, int decimals) {
  const std::string text = price_text(ticks, decimals);
  const auto parsed = market::Decimal::parse(text);
  if (const auto* value = std::get_if<market::Decimal>(&parsed)) return *value;
  throw std::logic_error("random walk: Decimal::parse refused the price " + text);
}

std::string canonical(std::string pair) {
  auto normalized = market::normalize_pair(pair);
  if (!normalized) throw std::invalid_argument("random walk: not a BASE-QUOTE pair: " + pair);
  return std::move(*normalized);
}

}  // namespace

RandomWalk::RandomWalk(std::string pair, std::uint64_t seed)
    : pair_{canonical(std::move(pair))},
      random_{seed},
      mid_{starting_level(pair_)},
      tick_{tick_for(mid_)} {}

market::Quote RandomWalk::next(market::Timestamp now) {
  const double step = std::normal_distribution<double>{0.0, kVolatility}(random_);
  const double moved = mid_ * std::exp(step);
  // Reflected at the floor, so the walk stays positive however long it runs.
  mid_ = moved >= kFloorTicks * tick_ ? moved : mid_ * std::exp(-step);

  const int noise_ticks =
      std::uniform_int_distribution<int>{kMinSpreadTicks, kMaxSpreadTicks}(random_);
  const double basis_points =
      std::uniform_real_distribution<double>{kMinSpreadBasisPoints, kMaxSpreadBasisPoints}(random_);
  const auto spread_ticks = std::max<std::int64_t>(
      noise_ticks, std::llround(std::ceil(mid_ * basis_points / 10'000.0 / tick_)));

  const std::int64_t bid_ticks =
      std::llround(mid_ / tick_ - static_cast<double>(spread_ticks) / 2.0);
  const std::int64_t ask_ticks = bid_ticks + spread_ticks;
  const int decimals = static_cast<int>(std::lround(-std::log10(tick_)));
  return market::Quote{pair_, price(bid_ticks, decimals), price(ask_ticks, decimals), now};
}

}  // namespace cryptometrics::simulator
