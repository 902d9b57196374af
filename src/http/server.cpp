#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>
#include <string>
#include <utility>
#include <vector>

#include "http/session.h"

namespace cryptometrics::http {

namespace {

namespace beast = boost::beast;
using boost::asio::ip::tcp;

// Accepting fails when the process is out of file descriptors, and keeps failing at once while
// connections wait in the backlog; pausing keeps the loop from spinning until some are freed.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string address_of(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

void throw_if(const beast::error_code& error, std::string_view step,
              const tcp::endpoint& endpoint) {
  if (error) {
    throw boost::system::system_error(
        error, "http server: cannot " + std::string{step} + " " + address_of(endpoint));
  }
}

void drop_ended(std::vector<std::weak_ptr<Session>>& sessions) {
  std::erase_if(sessions, [](const std::weak_ptr<Session>& session) { return session.expired(); });
}

// The open session idle longest, or an empty pointer when every one is busy with a request.
// Sessions are asked whether bytes wait in their socket (a system call each) only in the order
// they would be closed, so that making room costs one call, not one per open connection.
std::shared_ptr<Session> idle_longest(const std::vector<std::weak_ptr<Session>>& sessions) {
  std::vector<std::shared_ptr<Session>> waiting;
  for (const std::weak_ptr<Session>& session : sessions) {
    auto open = session.lock();
    if (open && open->waiting_since()) waiting.push_back(std::move(open));
  }
  std::ranges::sort(waiting, {}, [](const auto& session) { return *session->waiting_since(); });
  const auto idle = std::ranges::find_if(
      waiting, [](const auto& session) { return session->idle_since().has_value(); });
  return idle == waiting.end() ? nullptr : *idle;
}

void close_all(std::vector<std::weak_ptr<Session>>& sessions) {
  for (const std::weak_ptr<Session>& session : sessions) {
    if (const auto open = session.lock()) open->close();
  }
  sessions.clear();
}

}  // namespace

class Server::Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(boost::asio::io_context& io, const tcp::endpoint& endpoint, Router& router,
           Limits limits)
      : acceptor_{io}, retry_timer_{io}, router_{router}, limits_{limits} {
    beast::error_code error;
    acceptor_.open(endpoint.protocol(), error);
    throw_if(error, "open a socket for", endpoint);
    acceptor_.set_option(tcp::acceptor::reuse_address{true}, error);
    throw_if(error, "set SO_REUSEADDR on", endpoint);
    acceptor_.bind(endpoint, error);
    throw_if(error, "bind to", endpoint);
    acceptor_.listen(tcp::acceptor::max_listen_connections, error);
    throw_if(error, "listen on", endpoint);
    local_endpoint_ = acceptor_.local_endpoint();
  }

  tcp::endpoint local_endpoint() const { return local_endpoint_; }
  tcp::acceptor::executor_type executor() { return acceptor_.get_executor(); }

  void accept() {
    acceptor_.async_accept(beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void stop() {
    stopped_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    close_all(serving_);
    close_all(refused_);
  }

 private:
  void on_accept(beast::error_code error, tcp::socket socket) {
    if (stopped_) return;
    if (error) {
      spdlog::warn("http server on {}: accept failed, retrying in {} ms: {}",
                   address_of(local_endpoint_), kAcceptRetryDelay.count(), error.message());
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_error) {
        if (!wait_error && !self->stopped_) self->accept();
      });
      return;
    }
    drop_ended(serving_);
    drop_ended(refused_);
    auto session = std::make_shared<Session>(std::move(socket), router_, limits_);
    if (serving_.size() < limits_.max_connections) {
      serve(std::move(session));
      return accept();
    }
    // At the cap. A read may have taken a connection's first bytes out of its socket with its
    // handler still queued, and until that handler runs the connection looks idle. Deciding
    // after the handlers queued so far have run sees it in the middle of its request.
    boost::asio::post(executor(), [self = shared_from_this(), session = std::move(session)] {
      if (self->stopped_) return;
      self->make_room();
      if (self->serving_.size() < self->limits_.max_connections) {
        self->serve(session);
      } else {
        self->refused_.push_back(session);
        session->refuse();
      }
      self->accept();
    });
  }

  void serve(std::shared_ptr<Session> session) {
    serving_.push_back(session);
    session->serve();
  }

  // At the cap, a connection that waits for nothing but the client is worth less than a new
  // one: closing the one idle longest lets a thousand silent connections not lock out a client
  // with a request. Only when every connection is in the middle of a request is the new one
  // refused. Its session ends on its own once the close aborts its read.
  void make_room() {
    const auto evicted = idle_longest(serving_);
    if (!evicted) return;
    evicted->close();
    std::erase_if(serving_,
                  [&](const std::weak_ptr<Session>& session) { return session.lock() == evicted; });
  }

  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  tcp::endpoint local_endpoint_;
  Router& router_;
  const Limits limits_;
  std::vector<std::weak_ptr<Session>> serving_;
  // Kept apart from serving_ so that stop() can close them, but not counted against the cap.
  std::vector<std::weak_ptr<Session>> refused_;
  bool stopped_ = false;
};

Server::Server(boost::asio::io_context& io, const tcp::endpoint& endpoint, Router& router,
               Limits limits)
    : listener_{std::make_shared<Listener>(io, endpoint, router, limits)} {}

Server::~Server() { stop(); }

void Server::start() {
  boost::asio::dispatch(listener_->executor(), [listener = listener_] { listener->accept(); });
}

void Server::stop() {
  boost::asio::dispatch(listener_->executor(), [listener = listener_] { listener->stop(); });
}

tcp::endpoint Server::local_endpoint() const { return listener_->local_endpoint(); }

}  // namespace cryptometrics::http
