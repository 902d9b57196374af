#pragma once

#include <utility>
// Asio after <utility>: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace cryptometrics::feed {

// Where the feed connects: the parts of a wss:// URL.
struct Endpoint {
  std::string host;
  std::uint16_t port = 443;
  std::string target = "/";

  // "wss://host:port/target", for messages.
  std::string url() const;
};

// A client context that verifies the server: against the PEM certificates in `ca_file`, or the
// system's CAs when it is empty. Throws std::runtime_error naming the file it cannot load.
boost::asio::ssl::context make_tls_context(const std::string& ca_file);

// Why a connection ended, in words for the log and /readyz.
class ConnectionEnded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One websocket connection over TLS, from the TCP connect to its end. Every failure is thrown as
// ConnectionEnded, saying what failed and where.
class CoinbaseConnection {
 public:
  using Clock = std::chrono::steady_clock;

  CoinbaseConnection(const boost::asio::any_io_executor& executor, boost::asio::ssl::context& tls,
                     Endpoint endpoint);

  // Resolves, connects, does the TLS handshake (SNI, the certificate verified and its name
  // checked against the host) and the websocket handshake, all within `timeout`. From then on
  // the websocket pings the server when it has heard nothing for `ping_after`, and gives up on
  // it when the pong does not come within as long again.
  boost::asio::awaitable<void> open(std::chrono::milliseconds timeout,
                                    std::chrono::milliseconds ping_after);

  boost::asio::awaitable<void> send(std::string text);

  // The next message, or nullopt when none arrived by `deadline`: the connection is then closed.
  boost::asio::awaitable<std::optional<std::string>> read(Clock::time_point deadline);

  // Closes the socket at once: what stop() does to a connection in progress.
  void abandon();

 private:
  using WebSocket =
      boost::beast::websocket::stream<boost::asio::ssl::stream<boost::beast::tcp_stream>>;

  boost::asio::awaitable<void> connect_tcp();
  boost::asio::awaitable<void> handshake_tls();
  [[noreturn]] void fail(const char* step, const boost::system::error_code& error) const;

  Endpoint endpoint_;
  boost::asio::ip::tcp::resolver resolver_;
  WebSocket websocket_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace cryptometrics::feed
