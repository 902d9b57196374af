#include "pipeline/rejection_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace cryptometrics::pipeline {
namespace {

using namespace std::chrono_literals;

// Routes the default logger into memory for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog()
      : sink_{std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)},
        previous_{spdlog::default_logger()} {
    sink_->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }

  std::vector<std::string> lines() const { return sink_->last_formatted(); }

  int count_containing(const std::string& text) const {
    int found = 0;
    for (const auto& line : lines()) found += line.find(text) != std::string::npos ? 1 : 0;
    return found;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

const storage::Source kSource{"crypto_prices", 0, 7};

TEST(RejectionLog, LogsTheFirstOfAPeriodInFull) {
  CapturedLog log;
  boost::asio::io_context io;
  RejectionLog rejections{io, 1s, 2};

  for (int i = 0; i < 2; ++i) rejections.record(kSource, "not JSON");

  EXPECT_EQ(log.count_containing("rejected message at crypto_prices[0] offset 7: not JSON"), 2);
}

// A single burst, and nothing after it: the count of those left out still comes, when the
// period ends.
TEST(RejectionLog, SaysHowManyMoreWhenThePeriodEndsWithoutALaterRejection) {
  CapturedLog log;
  boost::asio::io_context io;
  RejectionLog rejections{io, 1s, 2};

  for (int i = 0; i < 7; ++i) rejections.record(kSource, "not JSON");
  EXPECT_EQ(log.count_containing("more messages rejected"), 0) << "before the period ends";
  io.run_for(1500ms);

  EXPECT_EQ(log.count_containing("5 more messages rejected in the last 1 s"), 1);
}

TEST(RejectionLog, SaysHowManyMoreAtShutdown) {
  CapturedLog log;
  boost::asio::io_context io;
  RejectionLog rejections{io, 10s, 2};
  for (int i = 0; i < 4; ++i) rejections.record(kSource, "not JSON");

  rejections.flush();

  EXPECT_EQ(log.count_containing("2 more messages rejected"), 1);
  io.run_for(100ms);
  EXPECT_EQ(log.count_containing("more messages rejected"), 1) << "said once";
}

TEST(RejectionLog, StartsAFreshPeriodAfterOneEnded) {
  CapturedLog log;
  boost::asio::io_context io;
  RejectionLog rejections{io, 1s, 1};
  rejections.record(kSource, "first");
  rejections.record(kSource, "left out");
  io.run_for(1200ms);

  rejections.record(kSource, "in the next period");

  EXPECT_EQ(log.count_containing("in the next period"), 1);
  EXPECT_EQ(log.count_containing("1 more messages rejected"), 1);
}

}  // namespace
}  // namespace cryptometrics::pipeline
