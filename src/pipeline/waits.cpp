#include "pipeline/waits.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace cryptometrics::pipeline {

boost::asio::awaitable<bool> wait_on(boost::asio::steady_timer& timer,
                                     std::chrono::milliseconds wait) {
  timer.expires_after(wait);
  try {
    co_await timer.async_wait(boost::asio::use_awaitable);
  } catch (const boost::system::system_error&) {
    co_return false;
  }
  co_return true;
}

}  // namespace cryptometrics::pipeline
