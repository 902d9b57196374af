#include "storage/spool/spooling_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <set>
#include <stdexcept>
#include <utility>

#include "storage/spool/checkpoint.h"
#include "storage/spool/history_merge.h"

namespace cryptometrics::storage::spool {
namespace {

// How often, at most, the checkpoint is saved while PostgreSQL takes batches. A lag only makes
// a start while PostgreSQL is down read a little more again from Kafka.
constexpr std::chrono::seconds kCheckpointInterval{1};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

SpoolingStore::SpoolingStore(std::string connection_string, std::string description,
                             std::filesystem::path spool_path, Pacing pacing,
                             std::string instance)
    : pacing_{pacing},
      spool_path_{std::move(spool_path)},
      postgres_{std::move(connection_string), std::move(description), std::move(instance)},
      spool_{spool_path_},
      backoff_{pacing.first_retry, pacing.longest_retry},
      spool_depth_{spool_.depth()} {
  if (spool_depth_ > 0) {
    spdlog::info("spool {} holds {} rows from an earlier run; they reach PostgreSQL first",
                 spool_path_.string(), spool_depth_);
  }
  if (const auto saved = spool_.load_checkpoint()) {
    try {
      postgres_state_ = Checkpoint::decode(*saved);
    } catch (const std::exception& error) {
      spdlog::warn("spool {}: {}; while PostgreSQL is down, metrics restart from the spool's rows",
                   spool_path_.string(), error.what());
    }
  }
  try {
    postgres_.connect();
  } catch (const postgres::Unavailable& error) {
    last_error_ = error.what();
    retry_later();
    spdlog::warn("{}; starting without it, spooling to {} from the first message", last_error_,
                 spool_path_.string());
    return;
  }
  mark_up();
}

SpoolingStore::~SpoolingStore() { save_checkpoint(); }

void SpoolingStore::write(const Batch& batch) {
  if (postgres_up_ && spool_depth_ == 0) {
    try {
      postgres_.write(batch);
      rows_.stored += batch.messages();
      committed(batch);
      backoff_.reset();
      last_error_.clear();
      forget_spool_error("PostgreSQL takes the rows again");
      return;
    } catch (const Fenced&) {
      // Not for the spool either: those rows are the new owner's to write.
      throw;
    } catch (const postgres::Unavailable& error) {
      mark_down(error);
    } catch (const std::exception& error) {
      mark_refusing(error);
    }
  }
  spool(batch);
  // Background work runs only while no batch waits; reconnecting and replaying here as well
  // keeps the spool draining under a steady stream of batches.
  if (Clock::now() >= next_attempt_ && reconnect()) {
    replay_batch();
  }
}

std::vector<metrics::History> SpoolingStore::load_histories(std::size_t window) {
  postgres_state_.set_window(window);
  if (postgres_up_) {
    try {
      const postgres::PostgresStore::State state = postgres_.load_state(window);
      postgres_state_.reset(state.histories, state.offsets);
    } catch (const postgres::Unavailable& error) {
      mark_down(error);
    }
  }
  return merge_histories(postgres_state_.histories(), spool_.load_histories(window));
}

// While PostgreSQL is down nothing can be claimed: the partitions are read on from the
// checkpoint and the spool, unfenced.
Takeover SpoolingStore::take_over(std::string_view topic,
                                  const std::vector<std::int32_t>& partitions,
                                  std::string_view owner, std::size_t window) {
  postgres_state_.set_window(window);
  if (postgres_up_ && spool_depth_ > 0) {
    // A claim fences every earlier one, this instance's own included (a partition that comes
    // back is claimed anew): the rows spooled under them go to PostgreSQL first, while those
    // claims still hold.
    spdlog::info("replaying the spool's {} rows before claiming partitions", spool_depth_);
    replay_while_progressing();
  }
  // Rows of a claim lost while the spool had no room to delete them still count in what it
  // says of their partitions: those are read on once the file is made anew, as PostgreSQL holds
  // every row it held.
  std::set<kafka::TopicPartition> held = spool_.dropped_but_held();
  std::erase_if(held, [&](const kafka::TopicPartition& partition) {
    return partition.topic != topic ||
           std::find(partitions.begin(), partitions.end(), partition.partition) ==
               partitions.end();
  });
  if (!held.empty()) {
    throw std::runtime_error(
        "spool " + spool_path_.string() + " still holds rows of " + kafka::describe(held) +
        " that it dropped for another instance but had no room to delete; they go once "
        "PostgreSQL holds every row of the spool");
  }
  std::vector<Claim> claims;
  if (postgres_up_) {
    try {
      postgres::PostgresStore::Claimed claimed = postgres_.claim(topic, partitions, owner, window);
      postgres_state_.reset(claimed.state.histories, claimed.state.offsets);
      claims = std::move(claimed.claims);
    } catch (const postgres::Unavailable& error) {
      mark_down(error);
    }
  }
  return {std::move(claims),
          merge_histories(postgres_state_.histories(), spool_.load_histories(window)),
          with_spooled_offsets(postgres_state_.offsets(topic), topic)};
}

// While PostgreSQL is down, the spool alone answers when it holds all the rows asked for; older
// ones are in PostgreSQL only, so a shorter answer would be wrong, not just short.
std::vector<QuoteRow> SpoolingStore::history(const std::string& pair, std::size_t limit,
                                             std::optional<market::Timestamp> since) {
  const std::vector<QuoteRow> spooled = spool_.history(pair, limit, since);
  if (spooled.size() >= limit) return spooled;
  if (postgres_up_) {
    try {
      return merge_rows(postgres_.history(pair, limit, since), spooled, limit);
    } catch (const postgres::Unavailable& error) {
      mark_down(error);
    }
  }
  throw std::runtime_error("the history of " + pair +
                           " is partly in PostgreSQL, unavailable: " + last_error_);
}

// Rows still in the spool are this instance's own; those of the other instances are all in
// PostgreSQL.
std::vector<LatestRow> SpoolingStore::latest_rows(std::string_view topic) {
  if (postgres_up_) {
    try {
      return postgres_.latest_rows(topic);
    } catch (const postgres::Unavailable& error) {
      mark_down(error);
    }
  }
  throw std::runtime_error("the pairs of other instances are in PostgreSQL, unavailable: " +
                           last_error_);
}

// The checkpoint's offsets change only with its histories (load_histories, and batches
// committed), so that it stays one snapshot; PostgreSQL's own answer goes straight to the caller.
std::vector<PartitionOffset> SpoolingStore::load_offsets(std::string_view topic) {
  std::optional<std::vector<PartitionOffset>> held;
  if (postgres_up_) {
    try {
      held = postgres_.load_offsets(topic);
    } catch (const postgres::Unavailable& error) {
      mark_down(error);
    }
  }
  return with_spooled_offsets(held ? *std::move(held) : postgres_state_.offsets(topic), topic);
}

std::vector<PartitionOffset> SpoolingStore::with_spooled_offsets(
    std::vector<PartitionOffset> offsets, std::string_view topic) {
  const std::vector<PartitionOffset> spooled = spool_.load_offsets(topic);
  offsets.insert(offsets.end(), spooled.begin(), spooled.end());
  return furthest_per_partition(std::move(offsets));
}

Status SpoolingStore::status() const {
  Status status;
  status.backend = "postgres";
  status.has_spool = true;
  status.shared = true;
  status.spool_depth = spool_depth_;
  status.rows = rows_;
  if (!spool_error_.empty()) {
    status.ready = false;
    status.state = "failing";
    status.last_error = spool_error_;
    return status;
  }
  status.last_error = last_error_;
  if (refusing_) {
    // Nothing is lost, but nothing reaches PostgreSQL until an operator steps in.
    status.ready = false;
    status.state = "refused";
    return status;
  }
  status.ready = true;
  status.state = postgres_up_ && spool_depth_ == 0 ? "ok" : "spooling";
  return status;
}

std::optional<std::chrono::steady_clock::time_point> SpoolingStore::background_work() {
  if (Clock::now() < next_attempt_ || !reconnect()) {
    return next_attempt_;
  }
  if (spool_depth_ == 0) {
    return std::nullopt;
  }
  return replay_batch();
}

bool SpoolingStore::reconnect() {
  if (postgres_up_) {
    return true;
  }
  try {
    postgres_.connect();
  } catch (const postgres::Unavailable& error) {
    last_error_ = error.what();
    const auto wait = retry_later();
    spdlog::debug("{}; next attempt in {} ms", last_error_, wait.count());
    return false;
  } catch (const std::exception& error) {
    mark_refusing(error);
    return false;
  }
  mark_up();
  return true;
}

void SpoolingStore::spool(const Batch& batch) {
  try {
    spool_.append(batch);
  } catch (const std::exception& error) {
    if (spool_error_.empty()) {
      spdlog::error("{}; nothing more can be stored until the spool takes rows again",
                    error.what());
    }
    spool_error_ = error.what();
    throw;
  }
  forget_spool_error("it takes rows again");
  spool_depth_ += batch.messages();
  rows_.spooled += batch.messages();
}

// The spool's failure stops the store only while rows have nowhere else to go: once the spool
// takes rows, or PostgreSQL does, the store is ready again.
void SpoolingStore::forget_spool_error(std::string_view because) {
  if (spool_error_.empty()) return;
  spdlog::info("spool {} no longer stops storage: {}", spool_path_.string(), because);
  spool_error_.clear();
}

std::optional<std::chrono::steady_clock::time_point> SpoolingStore::replay_batch() {
  // The spool could not read or delete rows: they stay spooled, and the attempt is repeated
  // later, in case the cause gets fixed.
  const auto spool_failed = [this](const std::exception& error) {
    last_error_ = error.what();
    const auto wait = retry_later();
    spdlog::error("replaying spool {}: {}; next attempt in {} ms", spool_path_.string(),
                  last_error_, wait.count());
    return next_attempt_;
  };
  std::optional<SpooledBatch> spooled;
  try {
    spooled = spool_.read_oldest(pacing_.replay_batch_rows);
  } catch (const std::exception& error) {
    return spool_failed(error);
  }
  if (!spooled) {
    report_drained();
    return std::nullopt;
  }
  try {
    postgres_.write(spooled->batch);
  } catch (const Fenced& fenced) {
    return drop_fenced(fenced);
  } catch (const postgres::Unavailable& error) {
    mark_down(error);
    return next_attempt_;
  } catch (const std::exception& error) {
    mark_refusing(error);
    return next_attempt_;
  }
  postgres_state_.apply(spooled->batch);
  try {
    // Only now: a crash before this line replays the batch again, and ON CONFLICT skips it. The
    // rows leave the spool together with a checkpoint that holds them: a start while PostgreSQL
    // is down then finds every row either in the spool or in the checkpoint.
    spool_.remove(*spooled, postgres_state_.encode());
  } catch (const std::exception& error) {
    return spool_failed(error);
  }
  checkpoint_saved_ = Clock::now();
  forget_spool_error("it gives its rows up to PostgreSQL");
  const std::size_t rows = spooled->batch.messages();
  replayed_rows_ += rows;
  rows_.replayed += rows;
  spool_depth_ -= std::min(rows, spool_depth_);
  backoff_.reset();
  // The estimate never counts fewer rows than the spool holds, so 0 means empty.
  if (spool_depth_ == 0) {
    report_drained();
    return std::nullopt;
  }
  const auto now = Clock::now();
  if (now - replay_reported_ >= pacing_.progress_interval) {
    spdlog::info("replayed {} spooled rows into PostgreSQL, about {} to go", replayed_rows_,
                 spool_depth_);
    replay_reported_ = now;
  }
  return now;
}

void SpoolingStore::replay_while_progressing() {
  while (postgres_up_ && spool_depth_ > 0) {
    const auto next = replay_batch();
    if (!next || *next > Clock::now()) return;
  }
}

// Spooled rows of partitions another instance claimed since their batch was spooled (this one
// stalled, or PostgreSQL was away while the group moved them): the new owner read on from what
// PostgreSQL held when it claimed them, so it stores these messages itself. Written here, they
// would stand in for its rows, with this instance's view of the pairs.
std::optional<std::chrono::steady_clock::time_point> SpoolingStore::drop_fenced(
    const Fenced& fenced) {
  std::size_t dropped = 0;
  try {
    dropped = spool_.drop(fenced.lost());
  } catch (const std::exception& error) {
    last_error_ = error.what();
    const auto wait = retry_later();
    spdlog::error("replaying spool {}: {}; next attempt in {} ms", spool_path_.string(),
                  last_error_, wait.count());
    return next_attempt_;
  }
  spool_depth_ -= std::min(dropped, spool_depth_);
  rows_.fenced += dropped;
  spdlog::error("replaying spool {}: {}: {} spooled rows of theirs dropped, for the new owner "
                "to store",
                spool_path_.string(), fenced.what(), dropped);
  return Clock::now();
}

void SpoolingStore::mark_up() {
  postgres_up_ = true;
  refusing_ = false;
  next_attempt_ = {};
  replayed_rows_ = 0;
  replay_started_ = replay_reported_ = Clock::now();
  if (spool_depth_ > 0) {
    spdlog::info("PostgreSQL {} is reachable: replaying {} spooled rows", postgres_.description(),
                 spool_depth_);
  } else {
    spdlog::info("storing in PostgreSQL {}", postgres_.description());
  }
}

void SpoolingStore::mark_down(const postgres::Unavailable& error) {
  last_error_ = error.what();
  if (postgres_up_) {
    spdlog::warn("{}; spooling to {} until it is back", last_error_, spool_path_.string());
    // Exact here: the spool's rows follow on from it.
    save_checkpoint();
  }
  postgres_up_ = false;
  refusing_ = false;
  retry_later();
}

void SpoolingStore::mark_refusing(const std::exception& error) {
  last_error_ = error.what();
  if (postgres_up_) save_checkpoint();
  postgres_up_ = false;
  refusing_ = true;
  const auto wait = retry_later();
  spdlog::error("{}; spooling to {} meanwhile ({} rows wait), next attempt in {} ms", last_error_,
                spool_path_.string(), spool_depth_, wait.count());
}

// The wait starts over only once a write or replay succeeded, not on reconnecting: a server
// that takes connections and then fails every batch is retried less and less often.
std::chrono::milliseconds SpoolingStore::retry_later() {
  const auto wait = backoff_.next();
  next_attempt_ = Clock::now() + wait;
  return wait;
}

void SpoolingStore::committed(const Batch& batch) {
  postgres_state_.apply(batch);
  if (Clock::now() - checkpoint_saved_ >= kCheckpointInterval) {
    save_checkpoint();
  }
}

void SpoolingStore::save_checkpoint() {
  checkpoint_saved_ = Clock::now();
  try {
    spool_.save_checkpoint(postgres_state_.encode());
  } catch (const std::exception& error) {
    spdlog::warn("{}; a start while PostgreSQL is down would continue from an older one",
                 error.what());
  }
}

void SpoolingStore::report_drained() {
  spool_depth_ = 0;
  last_error_.clear();
  spdlog::info("spool drained: {} rows replayed into PostgreSQL in {:.1f} s", replayed_rows_,
               seconds_since(replay_started_));
}

}  // namespace cryptometrics::storage::spool
