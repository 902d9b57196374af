#include "app/caught_signals.h"

#include <pthread.h>

namespace cryptometrics::app {

CaughtSignals::CaughtSignals(boost::asio::io_context& io, std::initializer_list<int> signal_numbers)
    : numbers_{signal_numbers}, signals_{io} {
  for (const int number : numbers_) signals_.add(number);
}

CaughtSignals::~CaughtSignals() {
  // Blocked while the signal_set gives them back their default: one arriving in between waits,
  // pending, and SIG_IGN discards it.
  sigset_t blocked;
  ::sigemptyset(&blocked);
  for (const int number : numbers_) ::sigaddset(&blocked, number);
  sigset_t before;
  ::pthread_sigmask(SIG_BLOCK, &blocked, &before);
  boost::system::error_code ignored;
  signals_.clear(ignored);
  for (const int number : numbers_) ::signal(number, SIG_IGN);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

}  // namespace cryptometrics::app
