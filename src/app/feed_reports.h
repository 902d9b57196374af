#pragma once

#include "feed/coinbase_source.h"
#include "http/prometheus_text.h"
#include "http/routes.h"

namespace cryptometrics::app {

// The Coinbase source's status as /readyz shows it.
http::FeedReadiness feed_readiness(const feed::CoinbaseSource& source, const std::string& url);

// Its counts as /prometheus shows them.
http::FeedFigures feed_figures(const feed::CoinbaseSource& source);

}  // namespace cryptometrics::app
