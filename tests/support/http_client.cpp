#include "support/http_client.h"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

namespace cryptometrics::testing {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using net::ip::tcp;

constexpr std::chrono::seconds kTimeout{10};
constexpr std::size_t kReadSize = 4096;

void throw_if(const beast::error_code& error, const std::string& what) {
  if (error) throw boost::system::system_error(error, what);
}

std::string lower_case(std::string_view text) {
  std::string lowered{text};
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered;
}

beast::string_view beast_view(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

// Every operation is started asynchronously and the event loop run until it completes: that is
// how Beast's stream applies its timeout, so that no test can hang on a silent server.
struct HttpConnection::Impl {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string address;  // "host:port", for the Host header and for errors

  void run() {
    io.restart();
    io.run();
  }
};

HttpConnection::HttpConnection(std::string_view host, unsigned short port)
    : impl_{std::make_unique<Impl>()} {
  impl_->address = std::string{host} + ":" + std::to_string(port);
  tcp::resolver resolver{impl_->io};
  const auto endpoints = resolver.resolve(std::string{host}, std::to_string(port));
  beast::error_code error;
  impl_->stream.expires_after(kTimeout);
  impl_->stream.async_connect(
      endpoints, [&error](beast::error_code result, const tcp::endpoint&) { error = result; });
  impl_->run();
  throw_if(error, "connecting to " + impl_->address);
}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::request(std::string_view method, std::string_view target) {
  beast_http::request<beast_http::empty_body> request;
  request.method_string(beast_view(method));
  request.target(beast_view(target));
  request.version(11);
  request.set(beast_http::field::host, impl_->address);
  beast::error_code error;
  impl_->stream.expires_after(kTimeout);
  beast_http::async_write(impl_->stream, request,
                          [&error](beast::error_code result, std::size_t) { error = result; });
  impl_->run();
  throw_if(error,
           "sending " + std::string{method} + " " + std::string{target} + " to " + impl_->address);
  return read_response(method == "HEAD");
}

void HttpConnection::send(std::string_view bytes) {
  beast::error_code error;
  impl_->stream.expires_after(kTimeout);
  net::async_write(impl_->stream, net::buffer(bytes.data(), bytes.size()),
                   [&error](beast::error_code result, std::size_t) { error = result; });
  impl_->run();
  throw_if(error, "sending to " + impl_->address);
}

HttpResponse HttpConnection::read_response(bool to_head) {
  beast_http::response_parser<beast_http::string_body> parser;
  parser.skip(to_head);
  beast::error_code error;
  impl_->stream.expires_after(kTimeout);
  beast_http::async_read(impl_->stream, impl_->buffer, parser,
                         [&error](beast::error_code result, std::size_t) { error = result; });
  impl_->run();
  throw_if(error, "reading a response from " + impl_->address);

  const auto& message = parser.get();
  HttpResponse response;
  response.status = message.result_int();
  for (const auto& field : message) {
    const beast::string_view name = field.name_string();
    std::string& value = response.headers[lower_case({name.data(), name.size()})];
    if (!value.empty()) value += ", ";
    value.append(field.value().data(), field.value().size());
  }
  response.body = message.body();
  return response;
}

// Reads straight from the socket with a deadline of its own: a timeout of Beast's stream would
// close the connection, and a false answer must leave it usable.
bool HttpConnection::closed_within(std::chrono::milliseconds timeout) {
  tcp::socket& socket = impl_->stream.socket();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  impl_->buffer.consume(impl_->buffer.size());
  for (;;) {
    std::optional<beast::error_code> error;
    socket.async_read_some(impl_->buffer.prepare(kReadSize),
                           [&error](beast::error_code result, std::size_t) { error = result; });
    impl_->io.restart();
    impl_->io.run_until(deadline);
    if (!error) {
      socket.cancel();
      impl_->run();
      if (*error == net::error::operation_aborted) return false;
    }
    if (*error) return true;
  }
}

HttpResponse http_request(std::string_view method, std::string_view host, unsigned short port,
                          std::string_view target) {
  HttpConnection connection{host, port};
  return connection.request(method, target);
}

}  // namespace cryptometrics::testing
