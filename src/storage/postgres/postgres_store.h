#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/postgres/unavailable.h"
#include "storage/storage.h"

namespace cryptometrics::storage::postgres {

// Storage in PostgreSQL. Connects on first use and again after a connection broke; the first
// connection applies the migrations. Batches go through COPY. Throws Unavailable when PostgreSQL
// cannot be reached (see unavailable.h), Refused when it refuses this service (refusal.h), and
// other exceptions when it refuses the work otherwise (the schema, the migrations). A quote it
// refuses for its data is stored as a rejection with its reason: no row can stop the others.
class PostgresStore final : public Storage {
 public:
  // `connection_string` is libpq's (key=value or URI) and holds the password: it is never logged
  // nor put in an error. `description` ("postgres@db:5432/crypto_metrics") stands for it there.
  // Does not connect. Each session holds `instance` (INSTANCE_ID) as a PostgreSQL advisory lock
  // for as long as it lasts, unless it is empty: a second process of that name connected to the
  // same database is Refused (instance_in_use) until the first one's session ends, which its
  // end ends, killed or not.
  PostgresStore(std::string connection_string, std::string description,
                std::string instance = {});
  ~PostgresStore() override;

  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // Applies the migrations not yet recorded in schema_migrations, one transaction under an
  // advisory lock, so that processes starting together apply each once. Throws Unavailable when
  // PostgreSQL cannot be reached (what `crypto-metrics migrate` reports).
  void migrate();

  // Connects (and migrates) unless connected; throws Unavailable when it cannot.
  void connect();

  void write(const Batch& batch) override;
  std::vector<metrics::History> load_histories(std::size_t window) override;
  std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                std::optional<market::Timestamp> since) override;
  std::vector<PartitionOffset> load_offsets(std::string_view topic) override;
  std::vector<LatestRow> latest_rows(std::string_view topic) override;
  Takeover take_over(std::string_view topic, const std::vector<std::int32_t>& partitions,
                     std::string_view owner, std::size_t window) override;
  Status status() const override;

  // What PostgreSQL holds, read in one transaction: every pair's history (as load_histories)
  // and the offsets of every topic.
  struct State {
    std::vector<metrics::History> histories;
    std::vector<PartitionOffset> offsets;
  };
  State load_state(std::size_t window);

  // Claims `partitions` of `topic` for `owner` (a new epoch each) and reads the state, in one
  // transaction: the claims are taken first, so every batch of an earlier owner is either in
  // the state or refused (Fenced).
  struct Claimed {
    std::vector<Claim> claims;
    State state;
  };
  Claimed claim(std::string_view topic, const std::vector<std::int32_t>& partitions,
                std::string_view owner, std::size_t window);

  const std::string& description() const { return description_; }

 private:
  struct Session;

  // Runs `work` on the session, connecting first if needed. Errors that mean PostgreSQL is
  // unavailable become Unavailable and drop the session; others get `what` as context.
  void attempt(std::string_view what, const std::function<void(Session&)>& work);

  std::string connection_string_;
  std::string description_;
  std::string instance_;
  std::unique_ptr<Session> session_;
  bool migrated_ = false;
  std::string last_error_;
  std::uint64_t rows_stored_ = 0;
};

}  // namespace cryptometrics::storage::postgres
