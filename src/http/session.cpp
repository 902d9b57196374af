#include "http/session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <variant>

#include "http/json_response.h"
#include "http/request_counts.h"
#include "http/request_parser.h"
#include "market/excerpt.h"

namespace cryptometrics::http {

namespace {

namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using boost::asio::ip::tcp;

// What one read asks of the socket; a typical request line and headers fit in it.
constexpr std::size_t kReadSize = 4096;
// Of what a failure's exception says, the log shows at most this many characters.
constexpr std::size_t kMostLoggedCharacters = 200;

}  // namespace

template <class Step>
void Session::behind_barrier(Step&& step) {
  try {
    step();
  } catch (const std::exception& error) {
    fail(error.what());
  } catch (...) {
    fail("an exception of unknown type");
  }
}

// `step` as a completion handler: it holds the session and runs behind its barrier.
template <class... Args>
auto Session::guarded(void (Session::*step)(Args...)) {
  return [self = shared_from_this(), step](Args... args) {
    self->behind_barrier([&] { (self.get()->*step)(std::move(args)...); });
  };
}

Session::Session(tcp::socket socket, Router& router, const Limits& limits)
    : stream_{std::move(socket)},
      keep_alive_timer_{stream_.get_executor()},
      router_{router},
      limits_{limits} {
  beast::error_code ignored;
  peer_ = stream_.socket().remote_endpoint(ignored);
  stream_.socket().set_option(tcp::no_delay{true}, ignored);
}

// The first request must be whole within request_timeout of connecting, so that a client that
// connects and then sends nothing, or a byte at a time, is held to it from the start.
void Session::serve() {
  stream_.expires_after(limits_.request_timeout);
  wait_for_request();
}

void Session::refuse() {
  Response response =
      error_response(beast_http::status::service_unavailable, kHttp11, "too many connections");
  router_.count_refused(response.result_int());
  response.keep_alive(false);
  write(std::move(response));
}

std::optional<std::chrono::steady_clock::time_point> Session::idle_since() const {
  beast::error_code ignored;
  if (idle_since_ && stream_.socket().available(ignored) > 0) return std::nullopt;
  return idle_since_;
}

void Session::close() {
  keep_alive_timer_.cancel();
  stream_.close();
}

// The caller has set the deadline: request_timeout for the first request, idle_timeout between
// keep-alive requests. Until the first byte comes the connection counts as idle.
void Session::wait_for_request() {
  idle_since_ = std::chrono::steady_clock::now();
  stream_.async_read_some(buffer_.prepare(kReadSize), guarded(&Session::on_request_start));
}

void Session::on_request_start(beast::error_code error, std::size_t bytes_read) {
  idle_since_.reset();
  if (error) return log_end(error);
  buffer_.commit(bytes_read);
  // After a keep-alive wait the request gets its own time, from its first byte.
  if (answered_one_) stream_.expires_after(limits_.request_timeout);
  read_request();
}

// Only the header is read: GET and HEAD carry no body, and the router refuses one that does.
void Session::read_request() {
  parser_.emplace();
  apply_limits(limits_, *parser_);
  beast_http::async_read_header(stream_, buffer_, *parser_, guarded(&Session::on_header));
}

void Session::on_header(beast::error_code error, std::size_t /*bytes_read*/) {
  if (!error) {
    const Request& request = parser_->get();
    // A body left unread would be taken for the next request: the connection ends instead.
    const bool keep_alive = request.keep_alive() && parser_->is_done();
    unanswered_ = &request;
    // The answer may come later (a route that reads storage). Beast times only pending
    // operations, so no deadline runs meanwhile: storage bounds its own queries, and write()
    // gives the answer request_timeout. The connection does not count as idle meanwhile.
    return router_.handle(request, [self = shared_from_this(), keep_alive](Reply reply) {
      self->behind_barrier([&] { self->answer(std::move(reply), keep_alive); });
    });
  }
  log_end(error);
  auto response = refusal(error);
  if (!response) return;
  router_.count_refused(response->result_int());
  write(std::move(*response));
}

void Session::answer(Reply&& reply, bool keep_alive) {
  // Answered 500 already: routing threw after a route that answers later had begun.
  if (unanswered_ == nullptr) return;
  if (const auto* failure = std::get_if<std::exception_ptr>(&reply)) {
    std::rethrow_exception(*failure);
  }
  if (auto* stream = std::get_if<EventStream>(&reply)) return start_stream(std::move(*stream));
  Response& response = std::get<Response>(reply);
  response.keep_alive(keep_alive);
  write(std::move(response));
}

// The write shares the request timeout: a client that does not read its answers is as slow as
// one that does not send its request. The next request is read only once this answer is
// written, so a client that pipelines requests without reading the answers stalls here, with
// one answer held, until the timeout closes it.
void Session::write(Response response) {
  unanswered_ = nullptr;
  response_ = std::move(response);
  stream_.expires_after(limits_.request_timeout);
  beast_http::async_write(stream_, response_, guarded(&Session::on_write));
}

void Session::on_write(beast::error_code error, std::size_t /*bytes_written*/) {
  if (error) return log_end(error);
  if (!response_.keep_alive()) return close_gracefully();
  answered_one_ = true;
  if (buffer_.size() > 0) {
    // A pipelined request is already here.
    stream_.expires_after(limits_.request_timeout);
    return read_request();
  }
  stream_.expires_after(limits_.idle_timeout);
  wait_for_request();
}

// From here on the connection only carries events. What the client sends is read and thrown
// away, so that the stream ends as soon as the client closes its side; the header and every
// write of events have request_timeout.
void Session::start_stream(EventStream stream) {
  unanswered_ = nullptr;
  stream_pair_ = std::move(stream.pair);
  subscription_.emplace(std::move(stream.subscription));
  stream_.expires_never();
  drain();
  response_ = std::move(stream.header);
  writing_ = true;
  last_write_ = std::chrono::steady_clock::now();
  stream_.expires_after(limits_.request_timeout);
  beast_http::async_write(stream_, response_, guarded(&Session::on_events_written));
  keep_alive_after(last_write_ + limits_.stream_keep_alive);
}

// Writes what changed since the last event; with nothing new, waits for the book to change. A
// client that keeps up gets every update; one that falls behind what the feed keeps gets each
// pair's latest metrics: what it costs is one write's worth of events, however long it lags.
void Session::send_events() {
  if (writing_ || !stream_.socket().is_open()) return;
  std::string events = router_.events_after(stream_pair_, stream_position_);
  if (!events.empty()) return write_events(std::move(events));
  if (waiting_for_change_) return;
  waiting_for_change_ = true;
  // The feed holds the session while it runs `wake`, and drops it if it ended before.
  router_.wait_for_change(weak_from_this(), [this] {
    behind_barrier([this] {
      waiting_for_change_ = false;
      send_events();
    });
  });
}

void Session::write_events(std::string events) {
  events_ = std::move(events);
  writing_ = true;
  last_write_ = std::chrono::steady_clock::now();
  stream_.expires_after(limits_.request_timeout);
  boost::asio::async_write(stream_, boost::asio::buffer(events_),
                           guarded(&Session::on_events_written));
}

void Session::on_events_written(beast::error_code error, std::size_t /*bytes_written*/) {
  writing_ = false;
  if (error) {
    log_end(error);
    return close();
  }
  send_events();
}

void Session::keep_alive_after(std::chrono::steady_clock::time_point when) {
  keep_alive_timer_.expires_at(when);
  keep_alive_timer_.async_wait(guarded(&Session::on_keep_alive_due));
}

// A write under way, however stalled, is left to its own deadline.
void Session::on_keep_alive_due(beast::error_code error) {
  if (error || !stream_.socket().is_open()) return;
  const auto now = std::chrono::steady_clock::now();
  if (writing_) return keep_alive_after(now + limits_.stream_keep_alive);
  if (now - last_write_ < limits_.stream_keep_alive) {
    return keep_alive_after(last_write_ + limits_.stream_keep_alive);
  }
  write_events(": keep-alive\n\n");
  keep_alive_after(now + limits_.stream_keep_alive);
}

// Closing a socket with unread input sends a reset, which can destroy the response before the
// client reads it. So stop sending, then read and discard until the client closes too.
void Session::close_gracefully() {
  beast::error_code error;
  stream_.socket().shutdown(tcp::socket::shutdown_send, error);
  if (error) return log_end(error);
  buffer_.consume(buffer_.size());
  stream_.expires_after(limits_.request_timeout);
  drain();
}

// What arrives is never committed to the buffer: it is thrown away.
void Session::drain() {
  stream_.async_read_some(buffer_.prepare(kReadSize), guarded(&Session::on_drain));
}

void Session::on_drain(beast::error_code error, std::size_t /*bytes_read*/) {
  if (!error) return drain();
  if (subscription_) {
    log_end(error);
    close();
  }
}

// Per-connection events go to the debug log only, so that no client can flood the log.
void Session::log_end(const beast::error_code& error) const {
  if (error == boost::asio::error::operation_aborted || error == boost::asio::error::eof ||
      error == beast_http::error::end_of_stream || !spdlog::should_log(spdlog::level::debug)) {
    return;
  }
  spdlog::debug("http: connection from {}:{} ends: {}", peer_.address().to_string(), peer_.port(),
                error.message());
}

// A failure is a bug, so it goes to the error log whoever caused it; the line names the route
// and the peer, never the request's bytes.
void Session::fail(std::string_view what) {
  const std::string shown = market::excerpt(what, kMostLoggedCharacters);
  if (unanswered_ == nullptr) {
    spdlog::error("http: connection from {}:{} closed after a failure: {}",
                  peer_.address().to_string(), peer_.port(), shown);
    return close();
  }
  spdlog::error("http: request to route {} from {}:{} answered 500: {}",
                route_label_name(route_label(target_of(*unanswered_))), peer_.address().to_string(),
                peer_.port(), shown);
  Response response = router_.internal_error(*unanswered_);
  response.keep_alive(false);
  write(std::move(response));
}

}  // namespace cryptometrics::http
