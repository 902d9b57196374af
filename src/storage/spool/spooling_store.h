#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/postgres/postgres_store.h"
#include "storage/postgres/refusal.h"
#include "storage/spool/backoff.h"
#include "storage/spool/checkpoint.h"
#include "storage/spool/queue.h"
#include "storage/storage.h"

namespace cryptometrics::storage::spool {

// How the spooling store paces retries and replay. The defaults are the product's; tests
// shorten them.
struct Pacing {
  std::chrono::milliseconds first_retry{1000};     // after PostgreSQL was found unavailable
  std::chrono::milliseconds longest_retry{30000};  // where the doubling of the wait stops
  std::size_t replay_batch_rows = 5000;            // quotes, and rejections, per replay transaction
  std::chrono::milliseconds progress_interval{10000};  // between replay progress lines in the log
};

// Storage in PostgreSQL that goes on while PostgreSQL is unavailable: batches then go to the
// spool's queue (an SQLite file, queue.h), and once PostgreSQL is back, background work replays
// the queue into it, oldest rows first, one transaction per batch, removing queued rows only
// after PostgreSQL committed them (a replay cut short is repeated, and stores nothing twice).
// While the queue holds rows, new batches queue behind them, so every pair's rows reach
// PostgreSQL in order. The queue also keeps a checkpoint of what PostgreSQL holds, so that a
// process started while PostgreSQL is down continues every pair's metrics and every partition's
// offsets from it.
class SpoolingStore final : public Storage {
 public:
  // Opens (creating) the spool at `spool_path` and connects to PostgreSQL, applying its
  // migrations. PostgreSQL being unavailable is no error: the store then spools from the first
  // batch, and says so in the log. Throws when the spool cannot be opened, postgres::Refused when
  // PostgreSQL refuses this service (authentication, database, permission), and other
  // exceptions when it answers but refuses the migrations or the settings are malformed.
  // `instance` is this instance's name, held in PostgreSQL (see PostgresStore).
  SpoolingStore(std::string connection_string, std::string description,
                std::filesystem::path spool_path, Pacing pacing = {}, std::string instance = {});
  ~SpoolingStore() override;

  SpoolingStore(const SpoolingStore&) = delete;
  SpoolingStore& operator=(const SpoolingStore&) = delete;

  // Durable once in PostgreSQL or in the spool; throws when the spool fails too (a full disk).
  // Rows that PostgreSQL refuses for their data are stored as rejections (PostgresStore).
  void write(const Batch& batch) override;
  std::vector<metrics::History> load_histories(std::size_t window) override;
  std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                std::optional<market::Timestamp> since) override;
  std::vector<PartitionOffset> load_offsets(std::string_view topic) override;
  std::vector<LatestRow> latest_rows(std::string_view topic) override;
  Takeover take_over(std::string_view topic, const std::vector<std::int32_t>& partitions,
                     std::string_view owner, std::size_t window) override;
  Status status() const override;
  std::optional<std::chrono::steady_clock::time_point> background_work() override;

 private:
  using Clock = std::chrono::steady_clock;

  // `offsets` (PostgreSQL's), each moved on to where the spool's rows bring it.
  std::vector<PartitionOffset> with_spooled_offsets(std::vector<PartitionOffset> offsets,
                                                    std::string_view topic);
  void spool(const Batch& batch);
  void forget_spool_error(std::string_view because);
  // Connects to PostgreSQL unless it is up; true when it is. Call only once next_attempt_ passed.
  bool reconnect();
  // Moves the oldest spooled rows into PostgreSQL; returns when to go on.
  std::optional<Clock::time_point> replay_batch();
  // Replays batch after batch until the spool is empty, PostgreSQL is away, or a batch fails.
  void replay_while_progressing();
  // Drops the spooled rows of the claims `fenced` names; returns when to go on.
  std::optional<Clock::time_point> drop_fenced(const Fenced& fenced);
  void mark_up();
  void mark_down(const postgres::Unavailable& error);
  // PostgreSQL answers but refuses the work (a password, a grant, the schema): batches are
  // spooled as while it is down, and the error is logged at every attempt until it is fixed.
  void mark_refusing(const std::exception& error);
  // Schedules the next attempt after a failure; returns the wait.
  std::chrono::milliseconds retry_later();
  // Takes in a batch PostgreSQL committed.
  void committed(const Batch& batch);
  void save_checkpoint();
  void report_drained();

  Pacing pacing_;
  std::filesystem::path spool_path_;
  postgres::PostgresStore postgres_;
  Queue spool_;
  Backoff backoff_;

  bool postgres_up_ = false;
  bool refusing_ = false;  // PostgreSQL's last answer was a refusal (mark_refusing)
  Clock::time_point next_attempt_{};
  std::size_t spool_depth_ = 0;  // may count a row the spool skipped as already held
  std::string last_error_;
  // Of the last write to the spool; empty once the spool or PostgreSQL takes rows again.
  std::string spool_error_;

  RowCounts rows_;  // since the store was opened

  std::size_t replayed_rows_ = 0;  // since PostgreSQL was last found reachable, for the log
  Clock::time_point replay_started_{};
  Clock::time_point replay_reported_{};

  // What PostgreSQL holds, for when it cannot be asked; saved in the spool.
  Checkpoint postgres_state_;
  Clock::time_point checkpoint_saved_{};
};

}  // namespace cryptometrics::storage::spool
