#include "simulator/simulator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <utility>

namespace cryptometrics::simulator {
namespace {

// At a rate, the timer ticks often and each tick produces what has come due since the start, so
// the rate holds however late single ticks are.
constexpr std::chrono::milliseconds kRateTick{1};

// The loop also serves the consumer and HTTP: a tick far behind catches up over several ticks.
constexpr std::uint64_t kMaxQuotesPerTick = 1000;

// "1795484378.014566": seconds since the epoch, six fractional digits.
std::string epoch_seconds_text(market::Timestamp timestamp) {
  const std::int64_t micros = timestamp.time_since_epoch().count();
  const std::uint64_t magnitude =
      micros < 0 ? 0 - static_cast<std::uint64_t>(micros) : static_cast<std::uint64_t>(micros);
  return fmt::format("{}{}.{:06}", micros < 0 ? "-" : "", magnitude / 1'000'000,
                     magnitude % 1'000'000);
}

std::uint64_t quotes_due_at_rate(std::uint32_t rate, std::chrono::steady_clock::time_point started,
                                 std::uint64_t produced) {
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  const auto due = static_cast<std::uint64_t>(elapsed.count() * rate);
  return due > produced ? std::min(due - produced, kMaxQuotesPerTick) : 0;
}

std::vector<RandomWalk> make_walks(const std::vector<std::string>& pairs) {
  if (pairs.empty()) throw std::invalid_argument("simulator: no pairs to quote");
  std::random_device entropy;
  std::vector<RandomWalk> walks;
  walks.reserve(pairs.size());
  for (const std::string& pair : pairs) walks.emplace_back(pair, entropy());
  return walks;
}

}  // namespace

std::string encode_quote(const market::Quote& quote) {
  // A canonical pair is letters, digits and a dash: nothing to escape.
  return fmt::format(R"({{"pair":"{}","bid":{},"ask":{},"timestamp":{}}})", quote.pair,
                     quote.bid.to_string(), quote.ask.to_string(),
                     epoch_seconds_text(quote.timestamp));
}

Simulator::Simulator(boost::asio::io_context& io, kafka::Producer& producer, std::string topic,
                     const std::vector<std::string>& pairs, std::chrono::milliseconds interval,
                     std::uint32_t rate)
    : timer_{io},
      producer_{producer},
      topic_{std::move(topic)},
      walks_{make_walks(pairs)},
      interval_{interval},
      rate_{rate} {
  if (rate_ == 0 && interval_.count() <= 0) {
    throw std::invalid_argument(
        fmt::format("simulator: the interval must be positive, not {} ms", interval_.count()));
  }
  spdlog::info("simulator: quoting {} to topic {}, {}", fmt::join(pairs, ","), topic_,
               rate_ > 0 ? fmt::format("{} quotes per second", rate_)
                         : fmt::format("one quote per pair every {} ms", interval_.count()));
}

void Simulator::start() {
  stopped_ = false;
  // What an earlier run produced counts as produced on time: a restart neither bursts nor waits.
  const std::chrono::duration<double> already_produced{
      rate_ > 0 ? static_cast<double>(produced_) / rate_ : 0.0};
  started_ = std::chrono::steady_clock::now() -
             std::chrono::duration_cast<std::chrono::steady_clock::duration>(already_produced);
  schedule();
}

void Simulator::stop() {
  stopped_ = true;
  timer_.cancel();
  spdlog::info("simulator: stopped after {} quotes", produced_);
}

void Simulator::schedule() {
  timer_.expires_after(rate_ > 0 ? kRateTick : interval_);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopped_) return;
    tick();
  });
}

void Simulator::tick() {
  producer_.poll();
  const std::uint64_t due =
      rate_ > 0 ? quotes_due_at_rate(rate_, started_, produced_) : walks_.size();
  const auto now = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  for (std::uint64_t quote_number = 0; quote_number < due; ++quote_number) {
    const market::Quote quote = walks_[next_walk_].next(now);
    if (!producer_.produce(topic_, quote.pair, encode_quote(quote))) {
      // The local queue is full (the broker is slow or away): let deliveries drain it first.
      producer_.poll();
      break;
    }
    ++produced_;
    next_walk_ = (next_walk_ + 1) % walks_.size();
  }
  schedule();
}

}  // namespace cryptometrics::simulator
