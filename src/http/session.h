#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request_parser.h"
#include "http/routes.h"
#include "http/server.h"

namespace cryptometrics::http {

// One client connection: read a request, answer it, and again while the client keeps it alive;
// or, once a request is answered with an EventStream, write its events until the connection
// ends. Every step runs behind one barrier: whatever it throws (routing, a route, a body, a
// stream's events, a route's later answer) is logged once, answered 500 {"error":"internal
// error"} if the request's answer has not begun, and the connection closed; the process and
// every other connection go on.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, Router& router, const Limits& limits);

  // Serves requests until the client leaves, breaks a limit, or close() is called.
  void serve();
  // Answers 503 {"error":"too many connections"} at once and closes: the server is at its cap.
  void refuse();
  // Ends the connection now; its pending operations complete with an error and stop. An event
  // stream ends after its last whole event, or in the middle of the one being written, which
  // the client then drops as incomplete.
  void close();

  // Since when the connection waits for a request of which no byte has come yet, or nullopt
  // while a request is being read (its first bytes may still wait in the socket, unread),
  // answered, streamed, or the connection is closing. The server closes the one idle longest
  // to make room for a new connection at its cap.
  std::optional<std::chrono::steady_clock::time_point> idle_since() const;
  // The same without asking the socket whether a request's first bytes wait in it (a system
  // call): what the server sorts by, so that it asks only the sessions it would close.
  std::optional<std::chrono::steady_clock::time_point> waiting_since() const {
    return idle_since_;
  }

 private:
  void wait_for_request();
  void on_request_start(boost::beast::error_code error, std::size_t bytes_read);
  void read_request();
  void on_header(boost::beast::error_code error, std::size_t bytes_read);
  void answer(Reply&& reply, bool keep_alive);
  void write(Response response);
  void on_write(boost::beast::error_code error, std::size_t bytes_written);
  void start_stream(EventStream stream);
  void send_events();
  void write_events(std::string events);
  void on_events_written(boost::beast::error_code error, std::size_t bytes_written);
  void keep_alive_after(std::chrono::steady_clock::time_point when);
  void on_keep_alive_due(boost::beast::error_code error);
  void close_gracefully();
  void drain();
  void on_drain(boost::beast::error_code error, std::size_t bytes_read);
  void log_end(const boost::beast::error_code& error) const;

  template <class Step>
  void behind_barrier(Step&& step);
  template <class... Args>
  auto guarded(void (Session::*step)(Args...));
  void fail(std::string_view what);

  boost::beast::tcp_stream stream_;
  boost::asio::ip::tcp::endpoint peer_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  // The request in parser_ while its answer has not begun: routed, or waiting for a route that
  // answers later. A failure meanwhile can still be answered.
  const Request* unanswered_ = nullptr;
  Response response_;
  std::optional<std::chrono::steady_clock::time_point> idle_since_;
  bool answered_one_ = false;

  // While an event stream is served:
  std::string stream_pair_;  // empty for every pair
  StreamPosition stream_position_;
  std::optional<BookFeed::Subscription> subscription_;  // set: the connection is a stream
  std::string events_;  // being written
  bool writing_ = false;
  bool waiting_for_change_ = false;
  std::chrono::steady_clock::time_point last_write_{};
  boost::asio::steady_timer keep_alive_timer_;

  Router& router_;
  const Limits limits_;
};

}  // namespace cryptometrics::http
