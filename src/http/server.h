#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/routes.h"

namespace cryptometrics::http {

// What one client may take, so that a slow or hostile one cannot stall the others.
struct Limits {
  // Open connections served at once. One accepted beyond that takes the place of the connection
  // idle longest (waiting for a request of which no byte has come), which is closed; when every
  // connection is mid-request it is answered 503 {"error":"too many connections"} with
  // Connection: close at once, without being served.
  std::size_t max_connections = 512;
  std::size_t header_limit = 8 * 1024;       // bytes
  std::size_t body_limit = 4 * 1024;         // declared beyond it: 413; any body at all: 400
  std::chrono::seconds request_timeout{10};  // to read one whole request, or write its answer
  std::chrono::seconds idle_timeout{30};     // keep-alive with no request
  // An event stream with nothing to say sends a comment this often, so that the client and
  // any proxy between see the connection is alive.
  std::chrono::milliseconds stream_keep_alive{15'000};
};

// Accepts connections on the event loop and serves each with `router`, keep-alive included.
// A request over header_limit is answered 431, declaring a body over body_limit 413, carrying
// any other body or malformed 400, and its connection closed; a client too slow to send a
// request (the first one: within request_timeout of connecting) or to read its answer within
// request_timeout is dropped. An event stream lasts until the client leaves or stop(): it is
// never idle, so it is not evicted at the cap, and each write of its events has request_timeout,
// so a client that stops reading is dropped once its socket's buffers are full.
// `router` must outlive the io_context's run.
class Server {
 public:
  // Binds and listens at once; throws boost::system::system_error naming the address when it
  // cannot.
  Server(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
         Router& router, Limits limits = {});
  ~Server();

  void start();
  // Stops accepting and closes every open connection, so that io_context::run() returns.
  // start() and stop() may be called from any thread; they act on the event loop.
  void stop();

  // Where it listens (the port is chosen by the system when 0 was asked for).
  boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  class Listener;
  std::shared_ptr<Listener> listener_;
};

}  // namespace cryptometrics::http
