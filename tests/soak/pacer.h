#pragma once

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "soak/fleet.h"
#include "soak/journal.h"
#include "soak/producer.h"
#include "soak/sent_log.h"
#include "support/postgres_server.h"

namespace cryptometrics::soak {

// Keeps the producer from sending more than the broker keeps of what the service may still
// read: kafka-dev holds about 5 MiB per partition and drops the oldest beyond that, which would
// lose messages before the service could read them and prove nothing about the service. Every
// 250 ms it reads the consumer group's committed offsets (committed only once rows are durable,
// so behind what the service has read: the safe side) and every instance's /readyz, and limits
// the producer: full rate while every instance is ready and little waits; 1,500/s while one is
// not ready (killed, paused, starting, its spool full, the broker down) or 2 MiB wait in a
// partition; nothing from 3.5 MiB.
//
// With several instances, what waits is counted from PostgreSQL's offsets too, where they are
// behind: a spool's rows, committed, are dropped when another instance claimed their partition
// since, and the new owner reads on from what PostgreSQL held (seed 4, three instances: the
// broker deleted 8,815 such messages before they were read again). While PostgreSQL does not
// answer, its last answer stands.
class Pacer {
 public:
  Pacer(const std::string& bootstrap_servers, const Fleet& fleet, const SentLog& log,
        Producer& producer, Journal& journal, const testing::PostgresServer& postgres);
  ~Pacer();

  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;

  // The most bytes that waited in one partition, uncommitted, at any reading.
  std::uint64_t largest_backlog_bytes() const;

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
  };

  void run();
  // Bytes waiting in the partition that holds the most, nullopt when the broker did not say.
  std::optional<std::uint64_t> backlog_bytes();
  // Per partition, the next offset PostgreSQL holds a row of, as last read.
  const std::map<std::int32_t, std::int64_t>& held_in_postgres();

  const Fleet& fleet_;
  const SentLog& log_;
  Producer& producer_;
  Journal& journal_;
  const testing::PostgresServer& postgres_;
  std::map<std::int32_t, std::int64_t> held_in_postgres_;
  std::unique_ptr<rd_kafka_t, HandleDeleter> group_;

  mutable std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::uint64_t largest_backlog_bytes_ = 0;
  std::thread thread_;
};

}  // namespace cryptometrics::soak
