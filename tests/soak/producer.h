#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include "soak/message_maker.h"
#include "soak/schedule.h"
#include "soak/sent_log.h"

namespace cryptometrics::soak {

// Sends the soak's messages, keyed by pair, on a thread of its own: at the rate Rates chooses,
// never above the limit the Pacer sets, with a message over 1 MiB now and then when allowed.
// Every delivery report goes to the SentLog with the message's partition and offset: each
// queued message carries itself as the report's opaque.
//
// A producer of its own rather than kafka::Producer, which reports no partition or offset.
class Producer {
 public:
  Producer(const std::string& bootstrap_servers, std::uint64_t seed, int top_rate, SentLog& log);
  ~Producer();

  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  void start();
  // From now on at most `per_second` messages a second (0: none), and a message over 1 MiB
  // only when `large_allowed`.
  void limit(double per_second, bool large_allowed);
  // Bytes queued that the broker has not acknowledged yet.
  std::uint64_t bytes_in_flight() const { return bytes_in_flight_.load(); }
  // Stops sending and waits up to `timeout` for the outstanding delivery reports; returns how
  // many messages were still undelivered then. Throws what stopped the sending thread, if
  // anything did.
  int stop(std::chrono::seconds timeout);

 private:
  struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
  };

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* report, void* opaque);
  void run();
  void produce();
  void send(Message message);

  SentLog& log_;
  MessageMaker maker_;
  Rates rates_;
  std::unique_ptr<rd_kafka_t, HandleDeleter> handle_;
  std::atomic<double> limit_{0};
  std::atomic<bool> large_allowed_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> bytes_in_flight_{0};
  std::exception_ptr failure_;  // set by the thread, read once it ended
  std::thread thread_;
};

}  // namespace cryptometrics::soak
