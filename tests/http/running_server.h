#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>

#include "http/routes.h"
#include "http/server.h"

namespace cryptometrics::http {

// A Server on 127.0.0.1 at a port the system chose, its event loop on a thread of its own.
class RunningServer {
 public:
  explicit RunningServer(Router& router, Limits limits = {});
  // The same on `io`, for sources made on it before the server (it must outlive the server).
  RunningServer(boost::asio::io_context& io, Router& router, Limits limits = {});
  ~RunningServer();

  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  unsigned short port() const;
  // The event loop the server runs on, for sources that answer on it later.
  boost::asio::io_context& io() { return io_; }

  // Calls Server::stop() and waits up to `timeout` for io_context::run() to return; true when
  // it did.
  bool stop_and_wait(std::chrono::milliseconds timeout);

 private:
  void start();

  std::unique_ptr<boost::asio::io_context> owned_io_;
  boost::asio::io_context& io_;
  Server server_;
  std::future<void> loop_;
};

}  // namespace cryptometrics::http
