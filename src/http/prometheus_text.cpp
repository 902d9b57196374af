#include "http/prometheus_text.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <numeric>

namespace cryptometrics::http {
namespace {

constexpr double kMicrosecondsPerSecond = 1e6;

// prometheus-cpp's counters only go up from zero; a registry made for one scrape sets each to
// the figure read, so the counting stays where it is (the ingestor, the store, the router) and
// nothing is counted twice.
void add_counters(prometheus::Registry& registry, const ServiceFigures& figures) {
  std::uint64_t rejected = 0;
  auto& rejected_family = prometheus::BuildCounter()
                              .Name("crypto_metrics_quotes_rejected_total")
                              .Help("Messages rejected, by kind of fault")
                              .Register(registry);
  for (std::size_t kind = 0; kind < figures.quotes_rejected.size(); ++kind) {
    const auto name = market::rejection_kind_name(static_cast<market::RejectionKind>(kind));
    rejected_family.Add({{"reason", std::string{name}}})
        .Increment(static_cast<double>(figures.quotes_rejected[kind]));
    rejected += figures.quotes_rejected[kind];
  }
  prometheus::BuildCounter()
      .Name("crypto_metrics_quotes_consumed_total")
      .Help("Messages taken in from Kafka, accepted or rejected")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(figures.quotes_accepted + rejected));
  prometheus::BuildCounter()
      .Name("crypto_metrics_quotes_accepted_total")
      .Help("Quotes accepted into the metrics")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(figures.quotes_accepted));
  prometheus::BuildCounter()
      .Name("crypto_metrics_kafka_lost_upstream_total")
      .Help("Messages deleted from a partition (retention) before they were read")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(figures.lost_upstream));
  prometheus::BuildCounter()
      .Name("crypto_metrics_kafka_partitions_started_over_total")
      .Help("Times a partition started over below its stored offset, beginning a new life")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(figures.partitions_started_over));
  prometheus::BuildCounter()
      .Name("crypto_metrics_quotes_off_their_pairs_partition_total")
      .Help("Quotes of a pair read from another partition than its first: a producer that does "
            "not key by pair")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(figures.quotes_off_their_pairs_partition));
  prometheus::BuildCounter()
      .Name("crypto_metrics_fenced_messages_total")
      .Help("Messages dropped unstored because another instance claimed their partition since "
            "(it stores them)")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(figures.fenced));
}

// Each message is counted once, by the store it was first made durable in: the backend
// ("sqlite", "postgres") or, with PostgreSQL, its spool. The spool's own figures appear only
// where there is a spool, unlabelled: there is one, and a series stuck at 0 for a spool that
// does not exist would read as an empty one.
void add_storage(prometheus::Registry& registry, const storage::Status& storage) {
  auto& stored = prometheus::BuildCounter()
                     .Name("crypto_metrics_rows_stored_total")
                     .Help("Messages (quotes and rejections) made durable, by first store")
                     .Register(registry);
  stored.Add({{"store", storage.backend}}).Increment(static_cast<double>(storage.rows.stored));
  if (!storage.has_spool) {
    return;
  }
  stored.Add({{"store", "spool"}}).Increment(static_cast<double>(storage.rows.spooled));
  prometheus::BuildCounter()
      .Name("crypto_metrics_spool_replayed_total")
      .Help("Rows moved from the SQLite spool into PostgreSQL")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(storage.rows.replayed));
  prometheus::BuildCounter()
      .Name("crypto_metrics_spool_fenced_total")
      .Help("Spooled rows dropped unreplayed: another instance claimed their partitions since "
            "and stores those messages itself")
      .Register(registry)
      .Add({})
      .Increment(static_cast<double>(storage.rows.fenced));
  prometheus::BuildGauge()
      .Name("crypto_metrics_spool_depth")
      .Help("Rows waiting in the SQLite spool for PostgreSQL")
      .Register(registry)
      .Add({})
      .Set(static_cast<double>(storage.spool_depth));
}

void add_consumer_lag(prometheus::Registry& registry,
                      const std::vector<kafka::PartitionLag>& consumer_lag) {
  auto& lag_family = prometheus::BuildGauge()
                         .Name("crypto_metrics_consumer_lag")
                         .Help("Messages between the read position and the end of a partition")
                         .Register(registry);
  for (const auto& lag : consumer_lag) {
    lag_family
        .Add({{"topic", lag.partition.topic},
              {"partition", std::to_string(lag.partition.partition)}})
        .Set(static_cast<double>(lag.messages));
  }
}

// A counter without labels.
void add_counter(prometheus::Registry& registry, const std::string& name, const std::string& help,
                 std::uint64_t value) {
  prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({}).Increment(
      static_cast<double>(value));
}

// The live feed's counts, and its state as one series per state, 1 for the current one, so that
// an alert can name the state.
void add_feed(prometheus::Registry& registry, const FeedFigures& feed) {
  auto& messages = prometheus::BuildCounter()
                       .Name("crypto_metrics_feed_messages_total")
                       .Help("Messages received from the live feed, by type")
                       .Register(registry);
  for (const auto& [type, count] : feed.messages) {
    messages.Add({{"type", type}}).Increment(static_cast<double>(count));
  }
  auto& dropped = prometheus::BuildCounter()
                      .Name("crypto_metrics_feed_tickers_dropped_total")
                      .Help("Tickers of the live feed not produced, by reason")
                      .Register(registry);
  dropped.Add({{"reason", "stale_sequence"}})
      .Increment(static_cast<double>(feed.dropped_stale_sequence));
  dropped.Add({{"reason", "kafka_backlog"}})
      .Increment(static_cast<double>(feed.dropped_kafka_backlog));
  dropped.Add({{"reason", "kafka_refused"}})
      .Increment(static_cast<double>(feed.dropped_kafka_refused));
  add_counter(registry, "crypto_metrics_feed_reconnects_total",
              "Connections to the live feed lost and made anew", feed.reconnects);
  add_counter(registry, "crypto_metrics_feed_tickers_timed_on_receipt_total",
              "Tickers that came without a time and carry the time they arrived",
              feed.timed_on_receipt);
  add_counter(registry, "crypto_metrics_feed_tickers_produced_total",
              "Tickers of the live feed handed to the Kafka producer", feed.produced);
  auto& state = prometheus::BuildGauge()
                    .Name("crypto_metrics_feed_state")
                    .Help("The live feed's state: 1 for the current one")
                    .Register(registry);
  for (const auto* name : {"connecting", "subscribed", "stale", "backing_off", "stopped"}) {
    state.Add({{"state", name}}).Set(feed.state == name ? 1.0 : 0.0);
  }
}

void add_requests(prometheus::Registry& registry, const RequestCounts& requests) {
  auto& family = prometheus::BuildCounter()
                     .Name("crypto_metrics_http_requests_total")
                     .Help("HTTP requests answered, by route and status code")
                     .Register(registry);
  const auto& by_route = requests.by_route();
  for (std::size_t route = 0; route < by_route.size(); ++route) {
    const std::string route_name{route_label_name(static_cast<RouteLabel>(route))};
    for (const auto& [status, count] : by_route[route]) {
      family.Add({{"route", route_name}, {"status", std::to_string(status)}})
          .Increment(static_cast<double>(count));
    }
  }
}

// The histogram's own buckets, converted: bounds to seconds, cumulative counts back to counts
// per bucket, as prometheus-cpp takes them.
void add_latency(prometheus::Registry& registry, const metrics::LatencyHistogram& latency) {
  const auto& bounds = metrics::LatencyHistogram::bounds();
  prometheus::Histogram::BucketBoundaries seconds;
  seconds.reserve(bounds.size());
  for (const auto bound : bounds) {
    seconds.push_back(static_cast<double>(bound.count()) / kMicrosecondsPerSecond);
  }
  const auto cumulative = latency.cumulative_counts();
  std::vector<double> per_bucket(cumulative.size());
  std::adjacent_difference(
      cumulative.begin(), cumulative.end(), per_bucket.begin(),
      [](std::uint64_t upper, std::uint64_t lower) { return static_cast<double>(upper - lower); });
  prometheus::BuildHistogram()
      .Name("crypto_metrics_quote_visible_latency_seconds")
      .Help("From a quote's Kafka timestamp to its metrics being visible over HTTP")
      .Register(registry)
      .Add({}, seconds)
      .ObserveMultiple(per_bucket,
                       static_cast<double>(latency.sum().count()) / kMicrosecondsPerSecond);
}

}  // namespace

std::string prometheus_text(const ServiceFigures& figures, const metrics::LatencyHistogram& latency,
                            const RequestCounts& requests) {
  prometheus::Registry registry;
  add_counters(registry, figures);
  add_storage(registry, figures.storage);
  add_consumer_lag(registry, figures.consumer_lag);
  if (figures.feed) add_feed(registry, *figures.feed);
  add_requests(registry, requests);
  add_latency(registry, latency);
  return prometheus::TextSerializer{}.Serialize(registry.Collect());
}

}  // namespace cryptometrics::http
