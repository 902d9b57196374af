// GET /metrics/{pair}/history from the built binary, checked against the rows in its SQLite file.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using nlohmann::json;
using testing::Service;

// The rows of the SQLite store as the route must answer them: newest first, as JSON.
json stored_rows(const testing::TempDir& directory, const std::string& pair, int limit,
                 const std::string& since = "") {
  SQLite::Database database{(directory / "metrics.db").string()};
  SQLite::Statement select{
      database,
      "SELECT pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
      " quote_count, timestamp, kafka_topic, kafka_partition, kafka_offset FROM crypto_metrics"
      " WHERE pair = ?1 AND timestamp >= ?2 ORDER BY id DESC LIMIT ?3"};
  select.bind(1, pair);
  select.bind(2, since);
  select.bind(3, limit);
  json rows = json::array();
  while (select.executeStep()) {
    json row = json::object();
    int column = 0;
    for (const char* name : {"pair", "bid", "ask", "mid_price", "spread", "highest_bid",
                             "lowest_ask", "max_spread", "moving_avg"}) {
      row[name] = select.getColumn(column++).getString();
    }
    row["count"] = select.getColumn(column++).getInt64();
    row["timestamp"] = select.getColumn(column++).getString();
    row["kafka_topic"] = select.getColumn(column++).getString();
    row["kafka_partition"] = select.getColumn(column++).getInt();
    row["kafka_offset"] = select.getColumn(column++).getInt64();
    rows.push_back(row);
  }
  return rows;
}

json rows_of(Service& service, const std::string& target) {
  const auto response = service.get(target);
  EXPECT_EQ(response.status, 200u) << target << ": " << response.body;
  const json body = json::parse(response.body);
  EXPECT_EQ(body.at("pair"), "BTC-USD");
  return body.at("rows");
}

TEST(History, AnswersTheStoredRowsNewestFirstWithinLimitAndSince) {
  testing::TempDir directory;
  {
    Service service{directory, {{"SIMULATOR_INTERVAL_MS", "5"}}};
    service.wait_for("/metrics/BTC-USD",
                     [](const json& body) { return body["count"].get<std::int64_t>() >= 150; });
    ASSERT_EQ(service.stop(), 0);
  }
  // Without the simulator no row is added while the answers are compared with the file.
  Service service{directory, {{"SIMULATOR", "off"}}};

  const json newest = rows_of(service, "/metrics/btc-usd/history");
  ASSERT_EQ(newest.size(), 100u);
  EXPECT_EQ(newest, stored_rows(directory, "BTC-USD", 100));

  EXPECT_EQ(rows_of(service, "/metrics/BTC-USD/history?limit=7"),
            stored_rows(directory, "BTC-USD", 7));
  const std::string since = newest[20]["timestamp"].get<std::string>();
  const json recent = rows_of(service, "/metrics/BTC-USD/history?since=" + since);
  EXPECT_GE(recent.size(), 21u);
  EXPECT_EQ(recent, stored_rows(directory, "BTC-USD", 1000, since));
  EXPECT_EQ(rows_of(service, "/metrics/BTC-USD/history?limit=100000"),
            stored_rows(directory, "BTC-USD", 1000));

  EXPECT_EQ(service.get("/metrics/BTC-USD/history?limit=0").status, 400u);
  EXPECT_EQ(service.get("/metrics/BTC-USD/history?since=soon").status, 400u);
  EXPECT_EQ(service.get("/metrics/BTC-USD/history?sort=asc").status, 400u);
  EXPECT_EQ(json::parse(service.get("/metrics/XRP-EUR/history").body),
            json::parse(R"({"pair":"XRP-EUR","rows":[]})"));
  EXPECT_EQ(service.stop(), 0);
}

}  // namespace
}  // namespace cryptometrics
