#include "app/feed_reports.h"

namespace cryptometrics::app {

http::FeedReadiness feed_readiness(const feed::CoinbaseSource& source, const std::string& url) {
  const auto& status = source.status();
  http::FeedReadiness readiness{.source = "coinbase",
                                .url = url,
                                .state = std::string{feed::state_name(status.state)},
                                .last_disconnect = status.last_disconnect,
                                .last_ticker = {}};
  for (const auto& [product, time] : status.last_ticker) {
    readiness.last_ticker.emplace_back(product, time ? market::format_rfc3339(*time) : "");
  }
  return readiness;
}

http::FeedFigures feed_figures(const feed::CoinbaseSource& source) {
  const auto& status = source.status();
  const auto& counters = status.counters;
  return {.messages = {{"ticker", counters.tickers},
                       {"heartbeat", counters.heartbeats},
                       {"subscriptions", counters.subscriptions},
                       {"error", counters.errors},
                       {"unknown", counters.unknown},
                       {"malformed", counters.malformed}},
          .reconnects = counters.reconnects,
          .dropped_stale_sequence = counters.stale_sequence,
          .dropped_kafka_backlog = source.publisher().dropped(),
          .dropped_kafka_refused = source.publisher().refused(),
          .timed_on_receipt = counters.timed_on_receipt,
          .produced = source.publisher().produced(),
          .state = std::string{feed::state_name(status.state)}};
}

}  // namespace cryptometrics::app
