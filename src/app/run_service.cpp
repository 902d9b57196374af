#include <signal.h>

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "app/caught_signals.h"
#include "app/commands.h"
#include "app/feed_options.h"
#include "app/feed_reports.h"
#include "app/storage_factory.h"
#include "feed/coinbase_source.h"
#include "http/book_feed.h"
#include "http/server.h"
#include "http/stored_history.h"
#include "kafka/embedded_broker.h"
#include "kafka/producer.h"
#include "metrics/book.h"
#include "pipeline/ingestor.h"
#include "simulator/simulator.h"
#include "storage/storage_thread.h"

namespace cryptometrics::app {
namespace {

// One line an operator can read the whole configuration from (the password never appears:
// PostgreSQL is shown by its describe(), which leaves it out).
void log_configuration(const config::Settings& settings) {
  const std::string kafka = settings.embedded_kafka()
                                ? std::string{"the embedded broker"}
                                : settings.kafka_bootstrap_servers;
  const std::string store =
      settings.postgres ? "PostgreSQL at " + settings.postgres->describe() +
                              " (spool " + settings.spool_path + ")"
                        : "SQLite at " + settings.sqlite_path;
  const std::string simulator_pace =
      settings.simulator_rate > 0
          ? std::to_string(settings.simulator_rate) + " quotes/s"
          : "one quote per pair every " + std::to_string(settings.simulator_interval.count()) +
                " ms";
  std::string source = "simulator off";
  if (settings.quote_source() == config::FeedSource::simulator) {
    source = "simulator " + simulator_pace;
  } else if (settings.quote_source() == config::FeedSource::coinbase) {
    source = "the Coinbase feed at " + settings.coinbase_ws_url +
             (settings.tls_ca_file.empty() ? std::string{" (the system's CAs)"}
                                           : " (CAs of " + settings.tls_ca_file + ")");
  }
  spdlog::info(
      "crypto-metrics {} starting as instance {}: Kafka {} (topic {}, group {}, fetch wait {} ms, "
      "session timeout {} ms); store {}; HTTP {}:{}; pairs {}; SMA window {}; {}; log level {}",
      CRYPTO_METRICS_VERSION, settings.instance(), kafka, settings.kafka_topic,
      settings.kafka_group_id, settings.fetch_wait().count(),
      settings.kafka_session_timeout.count(), store, settings.http_host, settings.http_port,
      fmt::join(settings.pairs, ","), settings.sma_window, source, settings.log_level);
}

}  // namespace

int run_service(const config::Settings& settings) {
  log_configuration(settings);
  boost::asio::io_context io{1};
  // Caught from here on, so that they stay caught while every part below closes: one that
  // arrives while the parts start waits for the loop, one after the stop finds it over, and one
  // after every part is gone is ignored.
  CaughtSignals signals{io, {SIGINT, SIGTERM}};

  std::optional<kafka::EmbeddedBroker> broker;
  std::string bootstrap_servers = settings.kafka_bootstrap_servers;
  if (settings.embedded_kafka()) {
    broker.emplace(settings.kafka_topic, settings.kafka_partitions);
    bootstrap_servers = broker->bootstrap_servers();
  }

  const auto store = open_storage(settings);
  storage::StorageThread storage_thread{*store};
  metrics::Book book{settings.sma_window};
  http::BookFeed book_feed{io};
  book.on_change([&book_feed](std::uint64_t version, const metrics::Snapshot* snapshot,
                              const metrics::Origin* origin) {
    book_feed.changed(version, snapshot, origin);
  });
  pipeline::Ingestor ingestor{
      io,
      {.kafka = {.bootstrap_servers = bootstrap_servers,
                 .group_id = settings.kafka_group_id,
                 .topic = settings.kafka_topic,
                 .instance_id = settings.instance(),
                 .fetch_wait = settings.fetch_wait(),
                 .session_timeout = settings.kafka_session_timeout},
       .instance_id = settings.instance(),
       .topic_starts_empty = broker.has_value()},
      book,
      storage_thread};

  std::optional<kafka::Producer> producer;
  std::optional<simulator::Simulator> simulator;
  std::optional<feed::CoinbaseSource> coinbase;
  if (settings.quote_source() == config::FeedSource::simulator) {
    producer.emplace(bootstrap_servers);
    simulator.emplace(io, *producer, settings.kafka_topic, settings.pairs,
                      settings.simulator_interval, settings.simulator_rate);
  } else if (settings.quote_source() == config::FeedSource::coinbase) {
    producer.emplace(bootstrap_servers);
    coinbase.emplace(io, *producer, settings.kafka_topic, feed_options(settings));
  }

  http::Router router{{.book = book, .latency = ingestor.latency(), .readiness = [&] {
                         const auto kafka = ingestor.kafka_status();
                         std::vector<std::string> partitions;
                         for (const auto& partition : kafka.assigned) {
                           partitions.push_back(kafka::describe(partition));
                         }
                         return http::Readiness{
                             .kafka_ready = kafka.ready,
                             .kafka_state = kafka.state,
                             .instance_id = settings.instance(),
                             .partitions = std::move(partitions),
                             .storage = storage_thread.status(),
                             .feed = coinbase ? std::optional{feed_readiness(
                                                    *coinbase, settings.coinbase_ws_url)}
                                              : std::nullopt,
                         };
                       },
                       .figures = [&] {
                         const auto& counters = ingestor.counters();
                         return http::ServiceFigures{
                             .quotes_accepted = counters.accepted,
                             .quotes_rejected = counters.rejected_by_kind,
                             .lost_upstream = counters.lost_upstream,
                             .partitions_started_over = counters.partitions_started_over,
                             .quotes_off_their_pairs_partition =
                                 counters.quotes_off_their_pairs_partition,
                             .fenced = counters.fenced,
                             .storage = storage_thread.status(),
                             .consumer_lag = ingestor.kafka_lag(),
                             .feed = coinbase ? std::optional{feed_figures(*coinbase)}
                                              : std::nullopt,
                         };
                       },
                       .history = http::stored_history(storage_thread, io),
                       .book_feed = &book_feed,
                       .instance_id = settings.instance()}};
  const boost::asio::ip::tcp::endpoint endpoint{
      boost::asio::ip::make_address(settings.http_host), settings.http_port};
  http::Server server{io, endpoint, router};

  // Stops taking work, stores what is in flight, commits its offsets; then the loop ends.
  const auto stop = [&] {
    if (simulator) simulator->stop();
    if (coinbase) coinbase->stop();
    server.stop();
    ingestor.stop([&] { io.stop(); });
  };
  signals.async_wait([&](const boost::system::error_code& failure, int signal_number) {
    if (failure) return;
    spdlog::info("{}: stopping: storing what is in flight, committing offsets",
                 signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    stop();
    signals.async_wait([&](const boost::system::error_code& again, int) {
      if (again) return;
      spdlog::warn("second signal: exiting without waiting for storage");
      io.stop();
    });
  });

  ingestor.start();
  server.start();
  if (simulator) simulator->start();
  if (coinbase) coinbase->start();
  const auto listening = server.local_endpoint();
  const std::string origin =
      "http://" + listening.address().to_string() + ":" + std::to_string(listening.port());
  spdlog::info("serving {}/ (the dashboard), {}/metrics/{}, {}/stream", origin, origin,
               settings.pairs.front(), origin);

  try {
    io.run();
  } catch (const std::exception& error) {
    // Nothing is lost either way, offsets being committed only for stored rows; stopping in
    // order stores and commits what is in flight, so less is read again at the next start.
    spdlog::critical("the event loop failed: {}; stopping: storing what is in flight",
                     error.what());
    io.restart();
    stop();
    try {
      io.run();
    } catch (const std::exception& again) {
      spdlog::critical("stopping failed too: {}", again.what());
    }
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace cryptometrics::app
