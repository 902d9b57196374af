#include "app/caught_signals.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <thread>

namespace cryptometrics::app {
namespace {

// A signal_set gives its signals back their default action as it goes, and a SIGTERM arriving
// in the microseconds before they were ignored ended the service with 143 after an orderly stop
// (CI, under AddressSanitizer). Here signals come as fast as a thread can send them, through
// thousands of CaughtSignals made and gone; the thread blocks them itself, so that the kernel
// hands them to this one, as the service's main thread is its only one by then. One that met
// the default action would end the test process.
TEST(CaughtSignals, ASignalArrivingAsTheyGoOrAfterIsIgnored) {
  ::signal(SIGUSR2, SIG_IGN);
  std::atomic<bool> sending{true};
  std::atomic<long> sent{0};
  std::thread sender{[&] {
    sigset_t blocked;
    ::sigemptyset(&blocked);
    ::sigaddset(&blocked, SIGUSR2);
    ::pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    while (sending) {
      ::kill(::getpid(), SIGUSR2);
      ++sent;
    }
  }};
  for (int round = 0; round < 5000; ++round) {
    boost::asio::io_context io{1};
    const CaughtSignals caught{io, {SIGUSR2}};
  }
  sending = false;
  sender.join();

  EXPECT_GT(sent, 0);
  struct sigaction action {};
  ASSERT_EQ(::sigaction(SIGUSR2, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_IGN);
}

}  // namespace
}  // namespace cryptometrics::app
