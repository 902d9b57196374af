#include "http/running_server.h"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace cryptometrics::http {

RunningServer::RunningServer(Router& router, Limits limits)
    : owned_io_{std::make_unique<boost::asio::io_context>()},
      io_{*owned_io_},
      server_{io_, {boost::asio::ip::address_v4::loopback(), 0}, router, limits} {
  start();
}

RunningServer::RunningServer(boost::asio::io_context& io, Router& router, Limits limits)
    : io_{io}, server_{io_, {boost::asio::ip::address_v4::loopback(), 0}, router, limits} {
  start();
}

void RunningServer::start() {
  server_.start();
  loop_ = std::async(std::launch::async, [this] { io_.run(); });
}

RunningServer::~RunningServer() {
  if (!stop_and_wait(std::chrono::seconds{5})) io_.stop();
}

unsigned short RunningServer::port() const { return server_.local_endpoint().port(); }

bool RunningServer::stop_and_wait(std::chrono::milliseconds timeout) {
  server_.stop();
  return loop_.wait_for(timeout) == std::future_status::ready;
}

}  // namespace cryptometrics::http
