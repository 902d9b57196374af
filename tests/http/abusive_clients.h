#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace cryptometrics::testing {

// Clients that misbehave on purpose against a server on 127.0.0.1:port, all on one event loop
// on a thread of their own, so that a test can run them at once and meanwhile check that a
// well-behaved client is served. Each records when the server closed it.
class AbusiveClients {
 public:
  explicit AbusiveClients(unsigned short port);
  // Stops the loop and closes whatever is still open.
  ~AbusiveClients();

  AbusiveClients(const AbusiveClients&) = delete;
  AbusiveClients& operator=(const AbusiveClients&) = delete;

  // Opens `count` connections that never send a byte; returns once all are connected. Throws
  // std::runtime_error when one cannot connect within 30 s.
  void open_idle(std::size_t count);
  // One connection sending a request that never ends, one byte every `interval`.
  void start_slowloris(std::chrono::milliseconds interval);
  // One connection writing pipelined GETs of `target` without end and never reading an answer,
  // with a small receive buffer, so that the server's answers stall soon.
  void start_pipelining_flood(std::string_view target);

  // Idle connections the server has not closed yet.
  std::size_t idle_open() const;
  // How long after it started the server closed it; nullopt while it is open.
  std::optional<std::chrono::milliseconds> slowloris_closed_after() const;
  std::optional<std::chrono::milliseconds> flood_closed_after() const;
  std::uint64_t slowloris_bytes_sent() const;
  std::uint64_t flood_bytes_sent() const;

  // Waits until `done` holds, checked whenever a client's state changes, for up to `timeout`.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

 private:
  struct Idle;
  struct Slowloris;
  struct Flood;

  boost::asio::ip::tcp::endpoint server() const;
  // Applies `change` to the state below under the lock and wakes wait_until().
  void changed(const std::function<void()>& change);

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  const unsigned short port_;
  // Touched on the loop's thread only.
  std::unique_ptr<Idle> idle_;
  std::unique_ptr<Slowloris> slowloris_;
  std::unique_ptr<Flood> flood_;
  // What the test thread reads, under mutex_.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t version_ = 0;
  std::size_t idle_connected_ = 0;
  std::size_t idle_failed_ = 0;
  std::size_t idle_closed_ = 0;
  std::optional<std::chrono::milliseconds> slowloris_closed_after_;
  std::optional<std::chrono::milliseconds> flood_closed_after_;
  std::uint64_t slowloris_bytes_sent_ = 0;
  std::uint64_t flood_bytes_sent_ = 0;
  std::thread loop_;
};

}  // namespace cryptometrics::testing
