#include "app/feed_options.h"

namespace cryptometrics::app {

feed::FeedOptions feed_options(const config::Settings& settings) {
  const auto& url = settings.coinbase_endpoint;
  return {.endpoint = {url.host, url.port, url.target},
          .ca_file = settings.tls_ca_file,
          .products = settings.pairs};
}

}  // namespace cryptometrics::app
