#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "soak/journal.h"
#include "soak/sent_log.h"
#include "support/postgres_server.h"

namespace cryptometrics::soak {

struct Verdict {
  std::uint64_t quotes = 0;         // valid messages found in crypto_metrics
  std::uint64_t rejected = 0;       // invalid messages found in rejected_quotes
  std::uint64_t lost = 0;           // delivered, in neither table, still on the broker when read
  std::uint64_t lost_upstream = 0;  // the same, but deleted by the broker's retention
  std::uint64_t duplicated = 0;     // a message met a second time, in either table
  std::uint64_t wrong = 0;          // a row that is not what was sent, or metrics off the reference
  // Rows of messages the broker holds twice (see Checker::copy_of): real messages on the topic,
  // stored once each, but not in the producer's log.
  std::uint64_t copied_upstream = 0;
};

// Holds PostgreSQL to the producer's log, once the service stopped: every valid message
// delivered is in crypto_metrics exactly once with the pair, bid and ask sent, every invalid one
// in rejected_quotes exactly once with its length and SHA-256, nothing else in either table;
// every row's derived and cumulative columns equal the reference recomputed from the rows of its
// pair in offset order, its moving average for the window of a run, the runs in order along each
// partition. Each problem goes to the journal (the first few of each kind in full).
class Checker {
 public:
  // `windows`: the SMA_WINDOW of each service run, in the order they ran. `low_watermarks`: by
  // partition, the first offset the broker still holds.
  Checker(const SentLog& log, const std::vector<std::size_t>& windows,
          std::vector<std::int64_t> low_watermarks, Journal& journal);

  Verdict check(const testing::PostgresServer& postgres);

 private:
  enum class Seen : std::uint8_t { no, as_quote, as_rejection };

  void check_quotes(const testing::PostgresServer& postgres);
  void check_rejections(const testing::PostgresServer& postgres);
  void count_missing();
  // Finds the message a row names and marks it seen; nullptr when the row names none or names
  // one seen before (counted as wrong or duplicated). At an offset where the producer's log has
  // no message, a row whose content `matches` a message sent just after it is a copy (copy_of).
  const Sent* take(const pqxx::row& row, Seen as, const std::function<bool(const Sent&)>& matches);
  // A batch the producer sent again after the broker went down, which the embedded broker then
  // holds twice: the producer hears of the second copy's offsets only, so the first copy sits at
  // offsets its log has no message for, just before the same messages. The message sent after
  // `offset` on `partition` (within a batch's reach) that `matches`, or nullptr.
  const Sent* copy_of(int partition, std::int64_t offset,
                      const std::function<bool(const Sent&)>& matches) const;
  void problem(std::uint64_t& counter, const std::string& kind, const std::string& text);

  const SentLog& log_;
  const std::vector<std::size_t>& windows_;
  std::vector<std::int64_t> low_watermarks_;
  Journal& journal_;
  std::vector<std::vector<Seen>> seen_;  // by partition and offset
  std::map<std::string, int> told_;      // problems told in full, by kind
  Verdict verdict_;
};

// The first offset the broker still holds, by partition: messages before it were deleted by
// its retention.
std::vector<std::int64_t> low_watermarks(const std::string& bootstrap_servers, int partitions);

}  // namespace cryptometrics::soak
