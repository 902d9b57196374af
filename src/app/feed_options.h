#pragma once

#include "config/settings.h"
#include "feed/coinbase_feed.h"

namespace cryptometrics::app {

// The Coinbase feed as the settings describe it: COINBASE_WS_URL, TLS_CA_FILE, PAIRS.
feed::FeedOptions feed_options(const config::Settings& settings);

}  // namespace cryptometrics::app
