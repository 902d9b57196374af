#include "http/prometheus_text.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cryptometrics::http {
namespace {

using namespace std::chrono_literals;

// One sample line of the exposition: `name{label="value",...} number`.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family name -> counter, gauge, histogram
  std::map<std::string, std::string> help;
  std::vector<Sample> samples;

  // The samples named `name` whose labels include `labels`.
  std::vector<Sample> find(const std::string& name,
                           const std::map<std::string, std::string>& labels = {}) const {
    std::vector<Sample> found;
    for (const auto& sample : samples) {
      if (sample.name != name) continue;
      bool matches = true;
      for (const auto& [key, value] : labels) {
        const auto label = sample.labels.find(key);
        matches = matches && label != sample.labels.end() && label->second == value;
      }
      if (matches) found.push_back(sample);
    }
    return found;
  }

  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const {
    const auto found = find(name, labels);
    EXPECT_EQ(found.size(), 1U) << name;
    return found.empty() ? -1 : found.front().value;
  }
};

// Enough of the text format 0.0.4 for what prometheus-cpp writes: no escapes in label values
// beyond \" and \\, no timestamps. Fails the test on a line it cannot read.
Exposition parse(const std::string& text) {
  Exposition parsed;
  std::istringstream lines{text};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line.starts_with("# TYPE ") || line.starts_with("# HELP ")) {
      const std::string rest = line.substr(7);
      const auto space = rest.find(' ');
      EXPECT_NE(space, std::string::npos) << line;
      auto& into = line[2] == 'T' ? parsed.types : parsed.help;
      into[rest.substr(0, space)] = rest.substr(space + 1);
      continue;
    }
    EXPECT_FALSE(line.starts_with('#')) << line;
    Sample sample;
    std::size_t at = line.find_first_of("{ ");
    sample.name = line.substr(0, at);
    if (at != std::string::npos && line[at] == '{') {
      ++at;
      while (line[at] != '}') {
        const auto equals = line.find("=\"", at);
        const std::string key = line.substr(at, equals - at);
        std::string value;
        at = equals + 2;
        for (; line[at] != '"'; ++at) {
          if (line[at] == '\\') ++at;
          value.push_back(line[at]);
        }
        ++at;
        if (line[at] == ',') ++at;
        sample.labels[key] = value;
      }
      ++at;
    }
    EXPECT_EQ(line[at], ' ') << line;
    sample.value = std::stod(line.substr(at + 1));
    parsed.samples.push_back(sample);
  }
  return parsed;
}

ServiceFigures some_figures() {
  ServiceFigures figures;
  figures.quotes_accepted = 1234;
  figures.quotes_rejected[static_cast<std::size_t>(market::RejectionKind::malformed)] = 3;
  figures.quotes_rejected[static_cast<std::size_t>(market::RejectionKind::ask_below_bid)] = 2;
  figures.storage.backend = "postgres";
  figures.storage.has_spool = true;
  figures.storage.spool_depth = 17;
  figures.storage.rows = {.stored = 1180, .spooled = 59, .replayed = 42, .fenced = 7};
  figures.consumer_lag = {{{"crypto_prices", 0}, 5}, {{"crypto_prices", 2}, 0}};
  return figures;
}

TEST(PrometheusText, NamesEachFamilyWithItsType) {
  const auto parsed = parse(prometheus_text(some_figures(), {}, {}));

  const std::map<std::string, std::string> expected{
      {"crypto_metrics_quotes_consumed_total", "counter"},
      {"crypto_metrics_quotes_accepted_total", "counter"},
      {"crypto_metrics_quotes_rejected_total", "counter"},
      {"crypto_metrics_rows_stored_total", "counter"},
      {"crypto_metrics_spool_replayed_total", "counter"},
      {"crypto_metrics_spool_fenced_total", "counter"},
      {"crypto_metrics_spool_depth", "gauge"},
      {"crypto_metrics_consumer_lag", "gauge"},
      {"crypto_metrics_quote_visible_latency_seconds", "histogram"},
  };
  for (const auto& [name, type] : expected) {
    ASSERT_EQ(parsed.types.count(name), 1U) << name;
    EXPECT_EQ(parsed.types.at(name), type) << name;
    EXPECT_EQ(parsed.help.count(name), 1U) << name;
  }
}

TEST(PrometheusText, CountsQuotesAndRejectionsByKind) {
  const auto parsed = parse(prometheus_text(some_figures(), {}, {}));

  EXPECT_EQ(parsed.value("crypto_metrics_quotes_accepted_total"), 1234);
  EXPECT_EQ(parsed.value("crypto_metrics_quotes_consumed_total"), 1239);
  // Every kind is there, at zero when none was seen, so that rates need no absent() guards.
  EXPECT_EQ(parsed.find("crypto_metrics_quotes_rejected_total").size(), market::kRejectionKinds);
  EXPECT_EQ(parsed.value("crypto_metrics_quotes_rejected_total", {{"reason", "malformed"}}), 3);
  EXPECT_EQ(parsed.value("crypto_metrics_quotes_rejected_total", {{"reason", "ask_below_bid"}}), 2);
  EXPECT_EQ(parsed.value("crypto_metrics_quotes_rejected_total", {{"reason", "bad_price"}}), 0);
}

TEST(PrometheusText, CountsRowsStoredInPostgresAndInItsSpoolApart) {
  const auto parsed = parse(prometheus_text(some_figures(), {}, {}));

  EXPECT_EQ(parsed.value("crypto_metrics_rows_stored_total", {{"store", "postgres"}}), 1180);
  EXPECT_EQ(parsed.value("crypto_metrics_rows_stored_total", {{"store", "spool"}}), 59);
  EXPECT_EQ(parsed.find("crypto_metrics_rows_stored_total").size(), 2U);
  EXPECT_EQ(parsed.value("crypto_metrics_spool_replayed_total"), 42);
  EXPECT_EQ(parsed.value("crypto_metrics_spool_fenced_total"), 7);
  EXPECT_EQ(parsed.value("crypto_metrics_spool_depth"), 17);
  EXPECT_TRUE(parsed.find("crypto_metrics_spool_replayed_total").front().labels.empty());
  EXPECT_TRUE(parsed.find("crypto_metrics_spool_depth").front().labels.empty());
}

// Before anything was spooled or replayed the series are there, at 0, so that rates need no
// absent() guards.
TEST(PrometheusText, ShowsTheSpoolAtZeroBeforeItWasUsed) {
  ServiceFigures figures;
  figures.storage.backend = "postgres";
  figures.storage.has_spool = true;

  const auto parsed = parse(prometheus_text(figures, {}, {}));

  EXPECT_EQ(parsed.value("crypto_metrics_rows_stored_total", {{"store", "postgres"}}), 0);
  EXPECT_EQ(parsed.value("crypto_metrics_rows_stored_total", {{"store", "spool"}}), 0);
  EXPECT_EQ(parsed.value("crypto_metrics_spool_replayed_total"), 0);
  EXPECT_EQ(parsed.value("crypto_metrics_spool_fenced_total"), 0);
  EXPECT_EQ(parsed.value("crypto_metrics_spool_depth"), 0);
}

TEST(PrometheusText, SqliteAloneCountsItsRowsAndHasNoSpool) {
  ServiceFigures figures;
  figures.storage.backend = "sqlite";
  figures.storage.rows.stored = 321;

  const auto parsed = parse(prometheus_text(figures, {}, {}));

  EXPECT_EQ(parsed.value("crypto_metrics_rows_stored_total", {{"store", "sqlite"}}), 321);
  EXPECT_EQ(parsed.find("crypto_metrics_rows_stored_total").size(), 1U);
  EXPECT_EQ(parsed.types.count("crypto_metrics_spool_replayed_total"), 0U);
  EXPECT_EQ(parsed.types.count("crypto_metrics_spool_fenced_total"), 0U);
  EXPECT_EQ(parsed.types.count("crypto_metrics_spool_depth"), 0U);
  EXPECT_TRUE(parsed.find("crypto_metrics_spool_depth").empty());
}

TEST(PrometheusText, ReportsLagPerPartition) {
  const auto parsed = parse(prometheus_text(some_figures(), {}, {}));

  EXPECT_EQ(
      parsed.value("crypto_metrics_consumer_lag", {{"topic", "crypto_prices"}, {"partition", "0"}}),
      5);
  EXPECT_EQ(
      parsed.value("crypto_metrics_consumer_lag", {{"topic", "crypto_prices"}, {"partition", "2"}}),
      0);
  EXPECT_EQ(parsed.find("crypto_metrics_consumer_lag").size(), 2U);
}

TEST(PrometheusText, CountsRequestsByRouteAndStatus) {
  RequestCounts requests;
  requests.record(route_label("/metrics/BTC-USD"), 200);
  requests.record(route_label("/metrics/btc-usd?x=1"), 200);
  requests.record(route_label("/metrics/NOPE-USD"), 404);
  requests.record(route_label("/metrics/"), 200);
  requests.record(route_label("/readyz"), 503);
  requests.record(route_label("/some/thing/else"), 404);
  requests.record(route_label("/metrics/BTC-USD/history?limit=2"), 200);
  requests.record(route_label("/stream/BTC-USD"), 200);
  requests.record(route_label("/stream"), 200);
  requests.record(route_label("/"), 200);

  const auto parsed = parse(prometheus_text({}, {}, requests));

  EXPECT_EQ(parsed.types.at("crypto_metrics_http_requests_total"), "counter");
  const auto value = [&](const std::string& route, const std::string& status) {
    return parsed.value("crypto_metrics_http_requests_total",
                        {{"route", route}, {"status", status}});
  };
  EXPECT_EQ(value("metrics_pair", "200"), 2);
  EXPECT_EQ(value("metrics_pair", "404"), 1);
  EXPECT_EQ(value("metrics", "200"), 1);
  EXPECT_EQ(value("readyz", "503"), 1);
  EXPECT_EQ(value("other", "404"), 1);
  EXPECT_EQ(value("history", "200"), 1);
  EXPECT_EQ(value("stream", "200"), 2);
  EXPECT_EQ(value("dashboard", "200"), 1);
  EXPECT_EQ(parsed.find("crypto_metrics_http_requests_total").size(), 8U);
}

TEST(PrometheusText, ExposesTheLatencyHistogramWithItsOwnBucketsInSeconds) {
  metrics::LatencyHistogram latency;
  latency.record(40us);
  latency.record(50us);
  latency.record(3ms);
  latency.record(500s);  // beyond the last bound: only in +Inf

  const auto parsed = parse(prometheus_text({}, latency, {}));

  const std::string name = "crypto_metrics_quote_visible_latency_seconds";
  const auto buckets = parsed.find(name + "_bucket");
  const auto& bounds = metrics::LatencyHistogram::bounds();
  ASSERT_EQ(buckets.size(), bounds.size() + 1);
  const auto cumulative = latency.cumulative_counts();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_DOUBLE_EQ(std::stod(buckets[i].labels.at("le")),
                     static_cast<double>(bounds[i].count()) / 1e6);
    EXPECT_EQ(buckets[i].value, static_cast<double>(cumulative[i])) << "bucket " << i;
  }
  EXPECT_EQ(buckets.back().labels.at("le"), "+Inf");
  EXPECT_EQ(buckets.back().value, 4);
  EXPECT_EQ(buckets.front().value, 2);  // 40 µs and 50 µs: the first bound is inclusive
  EXPECT_EQ(parsed.value(name + "_count"), 4);
  EXPECT_DOUBLE_EQ(parsed.value(name + "_sum"), 500.00309);
}

}  // namespace
}  // namespace cryptometrics::http
