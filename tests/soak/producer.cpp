#include "soak/producer.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

#include "soak/client_config.h"

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Above the largest message the soak sends (1 MiB and 64 KiB).
constexpr char kLargestMessage[] = "4194304";
// Spent budget is not carried further than this: after a pause or a stall, no burst.
constexpr double kLongestCatchUpSeconds = 0.05;

}  // namespace

Producer::Producer(const std::string& bootstrap_servers, std::uint64_t seed, int top_rate,
                   SentLog& log)
    : log_{log}, maker_{seed}, rates_{seed, top_rate} {
  rd_kafka_conf_t* conf = quiet_client_config({
      {"bootstrap.servers", bootstrap_servers},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      // Where the service's own producers put a key.
      {"partitioner", "murmur2_random"},
      {"message.max.bytes", kLargestMessage},
      // A message waits through any outage instead of failing: every message sent is delivered
      // once the broker is back, so the log knows each one's offset.
      {"message.timeout.ms", "0"},
  });
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, this);
  std::array<char, 512> error{};
  handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size()));
  if (!handle_) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string{"cannot create the soak's producer: "} + error.data());
  }
}

Producer::~Producer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  // What is still queued is dropped; its reports free the messages.
  rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(handle_.get(), 0);
}

void Producer::start() {
  thread_ = std::thread{[this] { run(); }};
}

void Producer::limit(double per_second, bool large_allowed) {
  limit_ = per_second;
  large_allowed_ = large_allowed;
}

int Producer::stop(std::chrono::seconds timeout) {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  rd_kafka_flush(handle_.get(), static_cast<int>(std::chrono::milliseconds{timeout}.count()));
  return rd_kafka_outq_len(handle_.get());
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* report, void* opaque) {
  auto& self = *static_cast<Producer*>(opaque);
  const std::unique_ptr<Message> message{static_cast<Message*>(report->_private)};
  self.bytes_in_flight_ -= message->payload.size();
  if (report->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self.log_.delivered(*message, report->partition, report->offset);
  } else {
    self.log_.failed(*message, rd_kafka_err2str(report->err));
  }
}

void Producer::send(Message message) {
  auto queued = std::make_unique<Message>(std::move(message));
  // With RD_KAFKA_MSG_F_COPY librdkafka only copies the value, whatever its pointer's type says.
  char* value = queued->payload.data();
  while (!stopping_) {
    const rd_kafka_resp_err_t result = rd_kafka_producev(
        handle_.get(), RD_KAFKA_V_TOPIC(kTopic),
        RD_KAFKA_V_KEY(queued->key.data(), queued->key.size()),
        RD_KAFKA_V_VALUE(value, queued->payload.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(queued.get()), RD_KAFKA_V_END);
    if (result == RD_KAFKA_RESP_ERR_NO_ERROR) {
      bytes_in_flight_ += queued->payload.size();
      queued.release();  // the delivery report owns it now
      return;
    }
    if (result != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      throw std::runtime_error(
          std::string{"the soak's producer cannot queue a "} + std::string{queued->kind} + " of " +
          std::to_string(queued->payload.size()) + " bytes: " + rd_kafka_err2str(result));
    }
    rd_kafka_poll(handle_.get(), 10);
  }
}

void Producer::run() {
  try {
    produce();
  } catch (...) {
    failure_ = std::current_exception();
  }
}

void Producer::produce() {
  Rates::Step step = rates_.next();
  auto now = Clock::now();
  auto step_ends = now + step.lasts;
  auto next_large = now + rates_.next_large_gap();
  auto last = now;
  double budget = 0;
  while (!stopping_) {
    now = Clock::now();
    if (now >= step_ends) {
      step = rates_.next();
      step_ends = now + step.lasts;
    }
    const double allowed = std::min(step.per_second, limit_.load());
    const double seconds = std::chrono::duration<double>(now - last).count();
    budget = std::min(budget + allowed * seconds, allowed * kLongestCatchUpSeconds + 1);
    last = now;
    for (; budget >= 1; budget -= 1) send(maker_.next());
    if (now >= next_large && large_allowed_) {
      send(maker_.large());
      next_large = now + rates_.next_large_gap();
    }
    rd_kafka_poll(handle_.get(), 0);
    // The pace of the rate: nothing to wait for but the clock.
    std::this_thread::sleep_for(1ms);
  }
}

}  // namespace cryptometrics::soak
