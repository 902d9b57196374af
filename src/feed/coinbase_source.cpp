#include "feed/coinbase_source.h"

#include <spdlog/spdlog.h>

namespace cryptometrics::feed {

CoinbaseSource::CoinbaseSource(boost::asio::io_context& io, kafka::Producer& producer,
                               std::string topic, FeedOptions options,
                               std::chrono::seconds report_every)
    : publisher_{io, producer, std::move(topic), TickerPublisher::Limits{}},
      feed_{io, std::move(options),
            [this](Outgoing outgoing) { publisher_.publish(std::move(outgoing)); }},
      report_timer_{io},
      report_every_{report_every} {}

void CoinbaseSource::start() {
  publisher_.start();
  feed_.start();
  schedule_report();
}

void CoinbaseSource::stop() {
  feed_.stop();
  publisher_.stop();
  report_timer_.cancel();
  report();
}

void CoinbaseSource::schedule_report() {
  report_timer_.expires_after(report_every_);
  report_timer_.async_wait([this](const boost::system::error_code& cancelled) {
    if (cancelled) return;
    report();
    schedule_report();
  });
}

void CoinbaseSource::report() const {
  const auto& status = feed_.status();
  const auto& counters = status.counters;
  spdlog::info(
      "Coinbase feed {}: last tickers {}; {} tickers ({} stale sequences dropped, {} timed on "
      "receipt), {} produced, {} dropped while Kafka lagged, {} reconnects{}",
      state_name(status.state), describe_last_tickers(status), counters.tickers,
      counters.stale_sequence, counters.timed_on_receipt, publisher_.produced(),
      publisher_.dropped(), counters.reconnects,
      status.last_disconnect.empty() ? "" : " (last: " + status.last_disconnect + ")");
}

std::string describe_last_tickers(const FeedStatus& status) {
  std::string text;
  for (const auto& [product, time] : status.last_ticker) {
    if (!text.empty()) text += ", ";
    text += product + " " + (time ? market::format_rfc3339(*time) : std::string{"none yet"});
  }
  return text;
}

}  // namespace cryptometrics::feed
