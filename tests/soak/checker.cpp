#include "soak/checker.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <memory>
#include <pqxx/pqxx>
#include <stdexcept>

#include "soak/client_config.h"
#include "soak/message_maker.h"
#include "soak/reference.h"

namespace cryptometrics::soak {
namespace {

using testing::Units;

constexpr int kToldPerKind = 5;
constexpr char kFetch[] = "FETCH 20000 FROM soak_rows";
// How far after a copy its original may sit: more than a produce request of the soak's holds.
constexpr std::int64_t kBatchReach = 10'000;

// Runs `query` through a cursor, `visit` on each row: the tables hold millions of rows after a
// long soak, more than is wise to hold at once.
template <typename Visit>
void for_each_row(const testing::PostgresServer& postgres, const std::string& query, Visit visit) {
  pqxx::connection connection{postgres.connection_string()};
  pqxx::work transaction{connection};
  transaction.exec0("DECLARE soak_rows NO SCROLL CURSOR FOR " + query);
  for (;;) {
    const pqxx::result rows = transaction.exec(kFetch);
    if (rows.empty()) break;
    for (const pqxx::row& row : rows) visit(row);
  }
}

std::string fields_of(const pqxx::row& row) {
  std::string text;
  for (const pqxx::field& field : row)
    text += (text.empty() ? "" : " ") + std::string{field.c_str()};
  return text;
}

std::string key_text(int partition, std::int64_t offset) {
  return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

// Both tables are read with their provenance first, in these columns, in this order.
constexpr char kProvenance[] = "kafka_topic, kafka_partition, kafka_life, kafka_offset";
constexpr char kInOffsetOrder[] = " ORDER BY kafka_partition, kafka_life, kafka_offset";

std::string where_of(const pqxx::row& row) {
  return key_text(row[1].as<int>(), row[3].as<std::int64_t>());
}

}  // namespace

Checker::Checker(const SentLog& log, const std::vector<std::size_t>& windows,
                 std::vector<std::int64_t> low_watermarks, Journal& journal)
    : log_{log}, windows_{windows}, low_watermarks_{std::move(low_watermarks)}, journal_{journal} {
  for (int partition = 0; partition < log_.partitions(); ++partition) {
    seen_.emplace_back(log_.partition(partition).size(), Seen::no);
  }
}

Verdict Checker::check(const testing::PostgresServer& postgres) {
  check_quotes(postgres);
  check_rejections(postgres);
  count_missing();
  return verdict_;
}

void Checker::problem(std::uint64_t& counter, const std::string& kind, const std::string& text) {
  ++counter;
  if (++told_[kind] <= kToldPerKind) journal_.fail(kind + ": " + text);
}

const Sent* Checker::copy_of(int partition, std::int64_t offset,
                             const std::function<bool(const Sent&)>& matches) const {
  const auto& sent = log_.partition(partition);
  const auto end =
      std::min<std::int64_t>(static_cast<std::int64_t>(sent.size()), offset + kBatchReach);
  for (std::int64_t at = offset + 1; at < end; ++at) {
    const Sent& candidate = sent[static_cast<std::size_t>(at)];
    if (candidate.delivered && matches(candidate)) return &candidate;
  }
  return nullptr;
}

const Sent* Checker::take(const pqxx::row& row, Seen as,
                          const std::function<bool(const Sent&)>& matches) {
  const std::string topic = row[0].c_str();
  const int partition = row[1].as<int>();
  const int life = row[2].as<int>();
  const std::int64_t offset = row[3].as<std::int64_t>();
  const std::string where = key_text(partition, offset) + " life " + std::to_string(life);
  if (topic != kTopic || life != 0 || partition < 0 || partition >= log_.partitions() ||
      offset < 0 ||
      offset >= static_cast<std::int64_t>(seen_[static_cast<std::size_t>(partition)].size()) ||
      !log_.partition(partition)[static_cast<std::size_t>(offset)].delivered) {
    const Sent* original = topic == kTopic && life == 0 && partition >= 0 &&
                                   partition < log_.partitions() && offset >= 0
                               ? copy_of(partition, offset, matches)
                               : nullptr;
    if (original != nullptr) {
      if (++verdict_.copied_upstream <= kToldPerKind) {
        journal_.say("a copy the broker holds of a message sent after it: " + where + " (" +
                     std::to_string(&*original - log_.partition(partition).data() - offset) +
                     " offsets before its original)");
      }
      return original;
    }
    problem(verdict_.wrong, "a row for no message sent", "topic " + topic + " " + where);
    return nullptr;
  }
  Seen& seen = seen_[static_cast<std::size_t>(partition)][static_cast<std::size_t>(offset)];
  if (seen != Seen::no) {
    problem(verdict_.duplicated, "stored twice",
            where + (seen == as ? "" : ", in crypto_metrics and in rejected_quotes"));
    return nullptr;
  }
  seen = as;
  return &log_.partition(partition)[static_cast<std::size_t>(offset)];
}

void Checker::check_quotes(const testing::PostgresServer& postgres) {
  const std::size_t longest_window = *std::max_element(windows_.begin(), windows_.end());
  std::vector<RunTrail> trails(static_cast<std::size_t>(log_.partitions()), RunTrail{windows_});
  std::map<std::string, PairReference> pairs;
  for_each_row(
      postgres,
      std::string{"SELECT "} + kProvenance +
          ", pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
          " quote_count FROM crypto_metrics" +
          kInOffsetOrder,
      [&](const pqxx::row& row) {
        const Sent* sent = take(row, Seen::as_quote, [&](const Sent& candidate) {
          return candidate.valid && row[4].c_str() == MessageMaker::pairs()[candidate.pair] &&
                 testing::parse_units(row[5].c_str()) == candidate.bid &&
                 testing::parse_units(row[6].c_str()) == candidate.ask;
        });
        if (sent == nullptr) return;
        const auto partition = static_cast<std::size_t>(row[1].as<int>());
        const std::string where = where_of(row) + " (" + row[4].c_str() + ")";
        if (!sent->valid) {
          problem(verdict_.wrong, "an invalid message stored as a quote", where);
          return;
        }
        ++verdict_.quotes;
        const Units bid = testing::parse_units(row[5].c_str());
        const Units ask = testing::parse_units(row[6].c_str());
        if (row[4].c_str() != MessageMaker::pairs()[sent->pair] || bid != sent->bid ||
            ask != sent->ask) {
          problem(verdict_.wrong, "a quote stored unlike it was sent",
                  where + ": stored " + row[5].c_str() + " / " + row[6].c_str() + ", sent " +
                      MessageMaker::pairs()[sent->pair] + " " + testing::text_of(sent->bid) +
                      " / " + testing::text_of(sent->ask));
          return;
        }
        PairReference& pair = pairs.try_emplace(row[4].c_str(), longest_window).first->second;
        pair.add(bid, ask);
        const Units stored_average = testing::parse_units(row[12].c_str());
        const std::array<std::pair<const char*, bool>, 7> fields = {{
            {"mid_price", testing::parse_units(row[7].c_str()) == (bid + ask) / 2},
            {"spread", testing::parse_units(row[8].c_str()) == ask - bid},
            {"highest_bid", testing::parse_units(row[9].c_str()) == pair.highest_bid()},
            {"lowest_ask", testing::parse_units(row[10].c_str()) == pair.lowest_ask()},
            {"max_spread", testing::parse_units(row[11].c_str()) == pair.max_spread()},
            {"quote_count", row[13].as<std::int64_t>() == pair.count()},
            {"moving_avg", trails[partition].follow(pair, stored_average)},
        }};
        for (const auto& [name, right] : fields) {
          if (right) continue;
          std::string expected;
          if (std::string_view{name} == "moving_avg") {
            for (const std::size_t window : windows_) {
              expected += " " + testing::text_of(pair.moving_average(window)) + " (window " +
                          std::to_string(window) + ")";
            }
          }
          problem(verdict_.wrong, std::string{name} + " off the reference",
                  where + ": row " + fields_of(row) + "; count " + std::to_string(pair.count()) +
                      expected);
          return;
        }
      });
}

void Checker::check_rejections(const testing::PostgresServer& postgres) {
  for_each_row(
      postgres,
      std::string{"SELECT "} + kProvenance +
          ", payload_length, payload_sha256, reason FROM rejected_quotes" + kInOffsetOrder,
      [&](const pqxx::row& row) {
        const Sent* sent = take(row, Seen::as_rejection, [&](const Sent& candidate) {
          return !candidate.valid && row[4].as<std::uint64_t>() == candidate.bytes &&
                 row[5].c_str() == log_.digest(candidate);
        });
        if (sent == nullptr) return;
        const std::string where = where_of(row);
        if (sent->valid) {
          problem(verdict_.wrong, "a valid quote rejected",
                  where + " (" + MessageMaker::pairs()[sent->pair] + "): " + row[6].c_str());
          return;
        }
        ++verdict_.rejected;
        if (row[4].as<std::uint64_t>() != sent->bytes || row[5].c_str() != log_.digest(*sent)) {
          problem(verdict_.wrong, "a rejection kept unlike its message",
                  where + ": " + row[4].c_str() + " bytes, SHA-256 " + row[5].c_str() + "; sent " +
                      std::to_string(sent->bytes) + " bytes, " + log_.digest(*sent));
        }
      });
}

void Checker::count_missing() {
  for (int partition = 0; partition < log_.partitions(); ++partition) {
    const auto& sent = log_.partition(partition);
    const auto& seen = seen_[static_cast<std::size_t>(partition)];
    for (std::size_t offset = 0; offset < sent.size(); ++offset) {
      if (!sent[offset].delivered || seen[offset] != Seen::no) continue;
      const std::string what =
          key_text(partition, static_cast<std::int64_t>(offset)) +
          (sent[offset].valid ? " (a quote of " + MessageMaker::pairs()[sent[offset].pair] + ")"
                              : " (an invalid message)");
      if (static_cast<std::int64_t>(offset) <
          low_watermarks_[static_cast<std::size_t>(partition)]) {
        problem(verdict_.lost_upstream, "deleted by the broker before it was stored", what);
      } else {
        problem(verdict_.lost, "lost", what);
      }
    }
  }
}

std::vector<std::int64_t> low_watermarks(const std::string& bootstrap_servers, int partitions) {
  rd_kafka_conf_t* conf = quiet_client_config({{"bootstrap.servers", bootstrap_servers}});
  std::array<char, 512> error{};
  const std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> handle{
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size()), rd_kafka_destroy};
  if (!handle) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"cannot ask the broker for watermarks: "} + error.data());
  }
  std::vector<std::int64_t> lows;
  for (int partition = 0; partition < partitions; ++partition) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const rd_kafka_resp_err_t result =
        rd_kafka_query_watermark_offsets(handle.get(), kTopic, partition, &low, &high, 10'000);
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("watermarks of partition " + std::to_string(partition) + ": " +
                               rd_kafka_err2str(result));
    }
    lows.push_back(low);
  }
  return lows;
}

}  // namespace cryptometrics::soak
