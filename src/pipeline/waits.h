#pragma once

#include <chrono>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace cryptometrics::pipeline {

// Waits between attempts at a storage call that failed (a write, a take-over): doubling from the
// first to the longest.
inline constexpr std::chrono::seconds kFirstRetry{1};
inline constexpr std::chrono::seconds kLongestRetry{30};

// Waits `wait` on `timer`; false when the wait was cancelled (a stop cancels the timer).
boost::asio::awaitable<bool> wait_on(boost::asio::steady_timer& timer,
                                     std::chrono::milliseconds wait);

}  // namespace cryptometrics::pipeline
