// The dashboard at GET / from the built binary, in headless Chromium: it shows every pair's
// metrics as /metrics/{pair} has them, charts them from history and then from the stream, and
// reads on a laptop and a phone; a chart draws whatever points it has. Its screenshots are saved
// in CRYPTO_METRICS_ARTIFACTS.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kafka/producer.h"
#include "support/browser.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Browser;
using testing::Service;

// Where meson test keeps what a test leaves for people to look at.
std::filesystem::path artifacts() {
  const char* directory = std::getenv("CRYPTO_METRICS_ARTIFACTS");
  if (directory == nullptr) throw std::runtime_error{"CRYPTO_METRICS_ARTIFACTS is not set"};
  std::filesystem::create_directories(directory);
  return directory;
}

// Every table row as {pair: {field: data-value}}.
constexpr const char* kTable = R"(Object.fromEntries(
  [...document.querySelectorAll('tr[data-pair]')].map((row) => [row.dataset.pair,
    Object.fromEntries([...row.querySelectorAll('td[data-field]')].map(
      (cell) => [cell.dataset.field, cell.dataset.value]))])))";

// The cells whose text is not their value (the quote time is shown as local time).
constexpr const char* kCellsShowingOtherText = R"([...document.querySelectorAll('td[data-field]')]
  .filter((cell) => cell.dataset.field !== 'timestamp' && cell.textContent !== cell.dataset.value)
  .map((cell) => cell.dataset.field + ': ' + cell.textContent))";

// The fewest points any pair's chart has drawn.
constexpr const char* kFewestChartPoints = R"(Math.min(...[...document.querySelectorAll(
  'canvas[data-chart]')].map((canvas) => Number(canvas.dataset.points))))";

// How many pixels of `pair`'s chart are in the colour of one of its lines: what the page drew,
// not what it holds. The grid and the axes have colours of their own, so a chart whose lines
// could not be placed counts none.
std::string line_pixels(const std::string& pair) {
  return R"((() => {
    const canvas = document.querySelector('canvas[data-chart=")" +
         pair + R"("]');
    if (canvas === null) return 0;
    const style = getComputedStyle(document.documentElement);
    const normal = document.createElement('canvas').getContext('2d');
    const colours = new Set(['--bid', '--ask', '--mid', '--avg'].map((name) => {
      normal.fillStyle = style.getPropertyValue(name).trim();
      return normal.fillStyle;
    }));
    const hex = (value) => value.toString(16).padStart(2, '0');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const colour = `#${hex(data[i])}${hex(data[i + 1])}${hex(data[i + 2])}`;
      if (data[i + 3] === 255 && colours.has(colour)) count += 1;
    }
    return count;
  })())";
}

// The page's text for a `source` object of /metrics/{pair}.
std::string source_text(const json& source) {
  std::string text = source.at("read_from");
  if (!source.at("instance").is_null()) text += ", " + source.at("instance").get<std::string>();
  if (!source.at("partition").is_null()) {
    text += ", partition " + source.at("partition").dump() + " at " + source.at("offset").dump();
  }
  return text;
}

// What the page shows equals what /metrics/{pair} answers, field by field, where the metrics
// come from included.
void expect_table_equals_metrics(Browser& browser, Service& service) {
  const json table = browser.evaluate(kTable);
  const json pairs = json::parse(service.get("/metrics").body).at("pairs");
  ASSERT_EQ(table.size(), pairs.size()) << table.dump();
  for (const json& listed : pairs) {
    const std::string pair = listed.at("pair");
    const json metrics = json::parse(service.get("/metrics/" + pair).body);
    ASSERT_TRUE(table.contains(pair)) << pair;
    for (const auto& [field, value] : metrics.items()) {
      const std::string expected = field == "source" ? source_text(value)
                                   : value.is_string() ? value.get<std::string>()
                                                       : value.dump();
      EXPECT_EQ(table.at(pair).at(field), expected) << pair << " " << field;
    }
  }
  EXPECT_EQ(browser.evaluate(kCellsShowingOtherText), json::array());
}

TEST(Dashboard, ShowsWhatMetricsAnswerChartsItLiveAndReadsOnLaptopAndPhone) {
  testing::TempDir directory;
  testing::KafkaDev broker{directory};
  Service service{directory, {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()}}};
  // Three pairs move all along: for a few seconds before the page opens (its history), while it
  // loads, and for a few seconds after (its stream).
  std::optional<testing::Simulator> simulator{std::in_place, directory,
                                              broker.bootstrap_servers(), 60};
  service.wait_for("/metrics", [](const json& body) { return body.at("pairs").size() == 3; });
  std::this_thread::sleep_for(5s);

  Browser browser;
  browser.set_viewport(testing::kLaptopViewport);
  std::int64_t fewest_quotes = std::numeric_limits<std::int64_t>::max();
  const json listed = json::parse(service.get("/metrics").body);
  for (const json& pair : listed.at("pairs")) {
    fewest_quotes = std::min(fewest_quotes, pair.at("count").get<std::int64_t>());
  }
  browser.navigate("http://127.0.0.1:" + std::to_string(service.port()) + "/");
  ASSERT_TRUE(browser.wait_until(
      "document.querySelectorAll('tr[data-pair]').length === 3 && "
      "document.querySelectorAll('canvas[data-chart]').length === 3 && " +
          std::string{kFewestChartPoints} + " > 10 && document.body.dataset.stream === 'live'",
      20s))
      << browser.evaluate(kTable).dump();
  const std::int64_t drawn_from_history = browser.evaluate(kFewestChartPoints);
  // Every quote before the page opened is a point (up to the 300 the page keeps): it came from
  // the history, as the stream sends each pair's latest on connecting and then what is new.
  EXPECT_GE(drawn_from_history, std::min<std::int64_t>(fewest_quotes, 300));

  // What came after the page loaded reaches the table and the charts through /stream: once the
  // quotes stop, the table adds up to all of them.
  std::this_thread::sleep_for(3s);
  const std::int64_t total = simulator->stop();
  simulator.reset();
  service.wait_for_total(total, 30s);
  ASSERT_TRUE(browser.wait_until(
      "Object.values(" + std::string{kTable} + ").reduce((sum, row) => sum + Number(row.count), 0)"
      " === " + std::to_string(total),
      20s))
      << browser.evaluate(kTable).dump();
  const std::int64_t drawn_live = browser.evaluate(kFewestChartPoints);
  EXPECT_GT(drawn_live, drawn_from_history);
  expect_table_equals_metrics(browser, service);
  browser.screenshot(artifacts() / "dashboard-laptop.png");

  browser.set_viewport(testing::kPhoneViewport);
  ASSERT_TRUE(browser.wait_until("window.innerWidth === 390", 5s));
  EXPECT_EQ(browser.evaluate("document.documentElement.scrollWidth"), 390)
      << "the page scrolls sideways on a phone";
  browser.screenshot(artifacts() / "dashboard-phone.png", testing::Capture::full_page);

  EXPECT_EQ(browser.errors(), std::vector<std::string>{});
  std::cout << "[ figures  ] " << total << " quotes; chart points " << drawn_from_history
            << " from history, " << drawn_live << " after the live quotes; screenshots in "
            << artifacts() << "\n";
  EXPECT_EQ(service.stop(), 0);
}

// Quotes of one pair that share a millisecond span no time: the chart once divided by that span
// and stayed blank until a later quote came.
TEST(Dashboard, ChartsABurstOfQuotesWithinOneMillisecondOfANewPair) {
  testing::TempDir directory;
  testing::KafkaDev broker{directory};
  Service service{directory, {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()}}};
  Browser browser;
  browser.set_viewport(testing::kLaptopViewport);
  browser.navigate("http://127.0.0.1:" + std::to_string(service.port()) + "/");
  ASSERT_TRUE(browser.wait_until("document.body.dataset.stream === 'live'", 20s));

  constexpr int kBurst = 5;
  kafka::Producer producer{broker.bootstrap_servers()};
  for (int i = 0; i < kBurst; ++i) {
    const std::string quote = R"({"pair":"SOL-USD","bid":")" + std::to_string(150 + i) +
                              R"(.25","ask":")" + std::to_string(151 + i) +
                              R"(.5","timestamp":"2026-11-25T12:00:00.123Z"})";
    while (!producer.produce("crypto_prices", "SOL-USD", quote)) producer.poll();
  }
  ASSERT_EQ(producer.flush(30s), 0);
  const std::string chart = R"(document.querySelector('canvas[data-chart="SOL-USD"]'))";
  ASSERT_TRUE(
      browser.wait_until(chart + "?.dataset.points === '" + std::to_string(kBurst) + "'", 30s))
      << browser.evaluate(kTable).dump();
  browser.screenshot(artifacts() / "dashboard-burst.png");

  EXPECT_GT(browser.evaluate(line_pixels("SOL-USD")).get<int>(), 0)
      << "the chart of SOL-USD holds " << kBurst << " points and draws none of them";
  EXPECT_EQ(browser.errors(), std::vector<std::string>{});
  EXPECT_EQ(service.stop(), 0);
}

}  // namespace
}  // namespace cryptometrics
