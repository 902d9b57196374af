#pragma once

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <initializer_list>
#include <utility>
#include <vector>

namespace cryptometrics::app {

// Signals caught on `io` while this lives, and ignored once it is gone. A signal_set gives its
// signals back their default action when it goes, so one arriving after an orderly stop (from an
// impatient operator, a supervisor) ended the process with 128 + its number, though nothing was
// left to stop. Destroy it once every thread that does not block these signals has ended
// (librdkafka's and Asio's own threads block them): the kernel may hand a signal meant for the
// process to any such thread.
class CaughtSignals {
 public:
  CaughtSignals(boost::asio::io_context& io, std::initializer_list<int> signal_numbers);
  ~CaughtSignals();
  CaughtSignals(const CaughtSignals&) = delete;
  CaughtSignals& operator=(const CaughtSignals&) = delete;

  // As boost::asio::signal_set::async_wait: `handler(error_code, signal_number)`, once.
  template <typename Handler>
  void async_wait(Handler&& handler) {
    signals_.async_wait(std::forward<Handler>(handler));
  }

 private:
  std::vector<int> numbers_;
  boost::asio::signal_set signals_;
};

}  // namespace cryptometrics::app
