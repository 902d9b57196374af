#include "http/abusive_clients.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cryptometrics::testing {

namespace {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kConnectTimeout{30};
// The flood writes its requests in batches of this size.
constexpr std::size_t kFloodBatch = 64 * 1024;
// Small enough that the server's answers fill it, and the server's send buffer, soon.
constexpr int kFloodReceiveBuffer = 4096;
// What the slow client sends first, one byte at a time; then a header value that never ends.
constexpr std::string_view kSlowRequestStart = "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ";

std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

struct AbusiveClients::Idle {
  struct Connection {
    explicit Connection(net::io_context& io) : socket{io} {}
    tcp::socket socket;
    // A 503, or whatever else the server sends before it closes.
    std::array<char, 512> discarded{};
  };

  void open(AbusiveClients& owner, Connection& connection) {
    connection.socket.async_connect(owner.server(), [&owner, &connection, this](error_code error) {
      if (error) return owner.changed([&] { ++owner.idle_failed_; });
      owner.changed([&] { ++owner.idle_connected_; });
      watch(owner, connection);
    });
  }

  void watch(AbusiveClients& owner, Connection& connection) {
    const auto on_read = [&owner, &connection, this](error_code error, std::size_t) {
      if (error) return owner.changed([&] { ++owner.idle_closed_; });
      watch(owner, connection);
    };
    connection.socket.async_read_some(net::buffer(connection.discarded), on_read);
  }

  std::vector<std::unique_ptr<Connection>> connections;
};

struct AbusiveClients::Slowloris {
  Slowloris(AbusiveClients& owner, std::chrono::milliseconds interval)
      : owner{owner}, socket{owner.io_}, timer{owner.io_}, interval{interval} {}

  void start() {
    socket.async_connect(owner.server(), [this](error_code error) {
      connected = Clock::now();
      if (error) return end();
      watch();
      send_next_byte();
    });
  }

  void send_next_byte() {
    byte = sent < kSlowRequestStart.size() ? kSlowRequestStart[sent] : 'a';
    net::async_write(socket, net::buffer(&byte, 1), [this](error_code error, std::size_t) {
      if (error) return end();
      ++sent;
      owner.changed([&] { owner.slowloris_bytes_sent_ = sent; });
      timer.expires_after(interval);
      timer.async_wait([this](error_code wait_error) {
        if (!wait_error && !closed) send_next_byte();
      });
    });
  }

  // The server sends nothing to a request that never ends: a read completes only on its close.
  void watch() {
    socket.async_read_some(net::buffer(discarded), [this](error_code error, std::size_t) {
      if (error) return end();
      watch();
    });
  }

  void end() {
    if (closed) return;
    closed = true;
    timer.cancel();
    owner.changed([&] { owner.slowloris_closed_after_ = since(connected); });
  }

  AbusiveClients& owner;
  tcp::socket socket;
  net::steady_timer timer;
  const std::chrono::milliseconds interval;
  Clock::time_point connected;
  std::size_t sent = 0;
  char byte = 0;
  std::array<char, 512> discarded{};
  bool closed = false;
};

struct AbusiveClients::Flood {
  Flood(AbusiveClients& owner, std::string_view target) : owner{owner}, socket{owner.io_} {
    const std::string request = "GET " + std::string{target} + " HTTP/1.1\r\nHost: flood\r\n\r\n";
    while (requests.size() < kFloodBatch) requests += request;
  }

  // Never reading, the flood learns of the server's close only when a write fails: the close
  // of a socket with unread input sends a reset.
  void start() {
    error_code error;
    socket.open(tcp::v4(), error);
    const net::socket_base::receive_buffer_size small_buffer{kFloodReceiveBuffer};
    if (!error) socket.set_option(small_buffer, error);
    connected = Clock::now();
    if (error) return end();
    socket.async_connect(owner.server(), [this](error_code connect_error) {
      if (connect_error) return end();
      write_more();
    });
  }

  void write_more() {
    net::async_write(socket, net::buffer(requests), [this](error_code error, std::size_t written) {
      owner.changed([&] { owner.flood_bytes_sent_ += written; });
      if (error) return end();
      write_more();
    });
  }

  void end() {
    owner.changed([&] { owner.flood_closed_after_ = since(connected); });
  }

  AbusiveClients& owner;
  tcp::socket socket;
  std::string requests;
  Clock::time_point connected;
};

AbusiveClients::AbusiveClients(unsigned short port)
    : work_{net::make_work_guard(io_)}, port_{port}, idle_{std::make_unique<Idle>()} {
  loop_ = std::thread{[this] { io_.run(); }};
}

AbusiveClients::~AbusiveClients() {
  work_.reset();
  io_.stop();
  loop_.join();
}

tcp::endpoint AbusiveClients::server() const { return {net::ip::address_v4::loopback(), port_}; }

void AbusiveClients::open_idle(std::size_t count) {
  std::size_t expected = 0;
  {
    const std::lock_guard lock{mutex_};
    expected = idle_connected_ + idle_failed_ + count;
  }
  net::post(io_, [this, count] {
    for (std::size_t i = 0; i < count; ++i) {
      idle_->connections.push_back(std::make_unique<Idle::Connection>(io_));
      idle_->open(*this, *idle_->connections.back());
    }
  });
  const bool settled = wait_until(
      [&] {
        const std::lock_guard lock{mutex_};
        return idle_connected_ + idle_failed_ >= expected;
      },
      kConnectTimeout);
  const std::lock_guard lock{mutex_};
  if (!settled || idle_failed_ > 0) {
    throw std::runtime_error("idle clients: " + std::to_string(idle_failed_) + " of " +
                             std::to_string(expected) + " could not connect to port " +
                             std::to_string(port_) + (settled ? "" : ", others timed out"));
  }
}

void AbusiveClients::start_slowloris(std::chrono::milliseconds interval) {
  slowloris_ = std::make_unique<Slowloris>(*this, interval);
  net::post(io_, [this] { slowloris_->start(); });
}

void AbusiveClients::start_pipelining_flood(std::string_view target) {
  flood_ = std::make_unique<Flood>(*this, target);
  net::post(io_, [this] { flood_->start(); });
}

std::size_t AbusiveClients::idle_open() const {
  const std::lock_guard lock{mutex_};
  return idle_connected_ - idle_closed_;
}

std::optional<std::chrono::milliseconds> AbusiveClients::slowloris_closed_after() const {
  const std::lock_guard lock{mutex_};
  return slowloris_closed_after_;
}

std::optional<std::chrono::milliseconds> AbusiveClients::flood_closed_after() const {
  const std::lock_guard lock{mutex_};
  return flood_closed_after_;
}

std::uint64_t AbusiveClients::slowloris_bytes_sent() const {
  const std::lock_guard lock{mutex_};
  return slowloris_bytes_sent_;
}

std::uint64_t AbusiveClients::flood_bytes_sent() const {
  const std::lock_guard lock{mutex_};
  return flood_bytes_sent_;
}

// `done` takes the lock itself (through the accessors), so it runs unlocked; the version
// counter catches a change that lands between its check and the wait.
bool AbusiveClients::wait_until(const std::function<bool()>& done,
                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock{mutex_};
  for (;;) {
    const std::uint64_t seen = version_;
    lock.unlock();
    if (done()) return true;
    lock.lock();
    if (!changed_.wait_until(lock, deadline, [&] { return version_ != seen; })) {
      lock.unlock();
      return done();
    }
  }
}

void AbusiveClients::changed(const std::function<void()>& change) {
  {
    const std::lock_guard lock{mutex_};
    change();
    ++version_;
  }
  changed_.notify_all();
}

}  // namespace cryptometrics::testing
