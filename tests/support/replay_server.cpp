#include "support/replay_server.h"

#include <utility>
// Asio after <utility>: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "support/coinbase_messages.h"
#include "support/process.h"

namespace cryptometrics::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using WebSocket = websocket::stream<asio::ssl::stream<beast::tcp_stream>>;

constexpr std::chrono::seconds kHandshakeTimeout{10};

std::vector<std::string> products_of(const std::string& subscribe) {
  const auto request = nlohmann::json::parse(subscribe, nullptr, false);
  if (request.is_discarded() || !request.contains("product_ids")) return {};
  return request["product_ids"].get<std::vector<std::string>>();
}

}  // namespace

TestCertificate make_certificate(const TempDir& directory, const std::string& name,
                                 const std::string& names) {
  TestCertificate made{directory / (name + ".pem"), directory / (name + "-key.pem")};
  Process openssl{
      "/usr/bin/openssl",
      {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=" + names, "-keyout",
       made.key.string(), "-out", made.certificate.string()}};
  if (openssl.wait(std::chrono::seconds{30}) != 0) {
    throw std::runtime_error("openssl could not make a test certificate: " + openssl.stderr_text());
  }
  return made;
}

struct ReplayServer::Loop {
  Loop(ReplayServer& owner, Options given) : server{owner}, options{std::move(given)} {
    tls.use_certificate_chain_file(options.certificate.certificate.string());
    tls.use_private_key_file(options.certificate.key.string(), asio::ssl::context::pem);
    const asio::ip::tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), 0};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  }

  asio::awaitable<void> accept_loop() {
    for (int index = 0;; ++index) {
      auto accepting = acceptor.async_accept(use_awaitable);
      auto socket = co_await std::move(accepting);
      server.update([](Record& record) {
        ++record.tcp_connections;
        record.connected_at.push_back(std::chrono::steady_clock::now());
      });
      const auto& plans = options.plans;
      const ConnectionPlan plan =
          plans.empty()
              ? ConnectionPlan{}
              : plans[std::min<std::size_t>(static_cast<std::size_t>(index), plans.size() - 1)];
      asio::co_spawn(io, session(std::move(socket), plan), asio::detached);
    }
  }

  asio::awaitable<void> session(asio::ip::tcp::socket socket, ConnectionPlan plan) {
    WebSocket websocket{beast::tcp_stream{std::move(socket)}, tls};
    if (!co_await accept(websocket)) co_return;
    const auto subscribe = co_await read_subscribe(websocket, plan);
    if (subscribe.empty()) co_return;
    const auto products = products_of(subscribe);
    if (plan.acknowledge && !co_await send(websocket, subscriptions_message(products))) co_return;
    for (const auto& message : plan.messages) {
      if (!co_await send(websocket, message)) co_return;
      co_await pause(plan.between);
    }
    if (!co_await beat_until_end(websocket, plan, products)) co_return;
    co_await finish(websocket, plan.end);
  }

  // The TLS and websocket handshakes; false when either failed.
  asio::awaitable<bool> accept(WebSocket& websocket) {
    beast::get_lowest_layer(websocket).expires_after(kHandshakeTimeout);
    boost::system::error_code error;
    auto handshake = websocket.next_layer().async_handshake(
        asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, error));
    co_await std::move(handshake);
    if (error) {
      server.update([](Record& record) { ++record.tls_failures; });
      co_return false;
    }
    auto accepting = websocket.async_accept(asio::redirect_error(use_awaitable, error));
    co_await std::move(accepting);
    if (error) co_return false;
    server.update([](Record& record) { ++record.websocket_connections; });
    co_return true;
  }

  // The subscribe's text, or empty when none came in time (or the plan ignores it): the client
  // is then dropped as Coinbase drops it.
  asio::awaitable<std::string> read_subscribe(WebSocket& websocket, const ConnectionPlan& plan) {
    const auto accepted_at = Clock::now();
    beast::get_lowest_layer(websocket).expires_after(options.subscribe_deadline);
    beast::flat_buffer buffer;
    boost::system::error_code error;
    auto reading = websocket.async_read(buffer, asio::redirect_error(use_awaitable, error));
    co_await std::move(reading);
    beast::get_lowest_layer(websocket).expires_never();
    if (error) co_return std::string{};
    if (plan.ignore_subscribe) {
      co_await pause(options.subscribe_deadline - (Clock::now() - accepted_at));
      co_await finish(websocket, ConnectionPlan::End::close_cleanly);
      co_return std::string{};
    }
    const auto delay =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - accepted_at);
    auto text = beast::buffers_to_string(buffer.data());
    server.update([&](Record& record) {
      record.subscribes.push_back(text);
      record.subscribe_delays.push_back(delay);
    });
    co_return text;
  }

  // Heartbeats (when the plan has them) until the plan's end is due; false if the client left.
  asio::awaitable<bool> beat_until_end(WebSocket& websocket, const ConnectionPlan& plan,
                                       const std::vector<std::string>& products) {
    const bool forever = plan.end == ConnectionPlan::End::stay_open;
    const auto end_at = Clock::now() + plan.end_after;
    while (forever || Clock::now() < end_at) {
      if (!plan.heartbeats && !forever) {
        co_await pause(end_at - Clock::now());
        break;
      }
      for (const auto& product : products) {
        if (plan.heartbeats && !co_await send(websocket, heartbeat_message(product, ++sequence))) {
          co_return false;
        }
      }
      co_await pause(options.heartbeat_interval);
    }
    co_return true;
  }

  asio::awaitable<void> finish(WebSocket& websocket, ConnectionPlan::End end) {
    server.update([](Record& record) { ++record.plans_finished; });
    boost::system::error_code error;
    switch (end) {
      case ConnectionPlan::End::stay_open:
      case ConnectionPlan::End::go_silent:
        co_await pause(std::chrono::hours{1});
        break;
      case ConnectionPlan::End::close_cleanly: {
        auto closing = websocket.async_close(websocket::close_code::normal,
                                             asio::redirect_error(use_awaitable, error));
        co_await std::move(closing);
        break;
      }
      case ConnectionPlan::End::close_abruptly:
        beast::get_lowest_layer(websocket).socket().close(error);
        break;
    }
  }

  asio::awaitable<bool> send(WebSocket& websocket, const std::string& text) {
    boost::system::error_code error;
    auto writing =
        websocket.async_write(asio::buffer(text), asio::redirect_error(use_awaitable, error));
    co_await std::move(writing);
    co_return !error;
  }

  asio::awaitable<void> pause(Clock::duration duration) {
    if (duration <= Clock::duration::zero()) co_return;
    asio::steady_timer timer{io, duration};
    boost::system::error_code error;
    auto waiting = timer.async_wait(asio::redirect_error(use_awaitable, error));
    co_await std::move(waiting);
  }

  ReplayServer& server;
  Options options;
  // Declared before the io_context, so that the sessions still in it go first.
  asio::ssl::context tls{asio::ssl::context::tls_server};
  asio::io_context io{1};
  asio::ip::tcp::acceptor acceptor{io};
  std::int64_t sequence = 1'000'000;
};

ReplayServer::ReplayServer(Options options)
    : loop_{std::make_unique<Loop>(*this, std::move(options))} {
  port_ = loop_->acceptor.local_endpoint().port();
  asio::co_spawn(loop_->io, loop_->accept_loop(), asio::detached);
  thread_ = std::thread{[this] { loop_->io.run(); }};
}

ReplayServer::~ReplayServer() {
  loop_->io.stop();
  thread_.join();
}

std::string ReplayServer::url() const { return "wss://127.0.0.1:" + std::to_string(port_) + "/"; }

ReplayServer::Record ReplayServer::record() const {
  const std::lock_guard lock{mutex_};
  return record_;
}

bool ReplayServer::wait_for(const std::function<bool(const Record&)>& accept,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] { return accept(record_); });
}

void ReplayServer::update(const std::function<void(Record&)>& change) {
  {
    const std::lock_guard lock{mutex_};
    change(record_);
  }
  changed_.notify_all();
}

}  // namespace cryptometrics::testing
