#include "feed/coinbase_connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace cryptometrics::feed {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;

// Coinbase's messages on the ticker and heartbeat channels are well under 1 KiB; anything far
// larger is not one of them, and Beast's default (16 MiB) would let a server fill memory.
constexpr std::size_t kLargestMessage = 64 * 1024;

bool is_ip_address(const std::string& host) {
  boost::system::error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

// The reason OpenSSL gave for refusing the server's certificate ("self-signed certificate",
// "certificate has expired"), or empty when the handshake failed for another reason.
std::string verification_failure(SSL* ssl, const boost::system::error_code& error) {
  if (error.category() != asio::error::get_ssl_category() ||
      ERR_GET_REASON(static_cast<unsigned long>(error.value())) !=
          SSL_R_CERTIFICATE_VERIFY_FAILED) {
    return {};
  }
  const long result = SSL_get_verify_result(ssl);
  // The name check is asio's verify callback, whose refusal OpenSSL reports without a reason of
  // its own: every other check sets one.
  if (result == X509_V_OK || result == X509_V_ERR_UNSPECIFIED) {
    return "the certificate does not name this host";
  }
  return X509_verify_cert_error_string(result);
}

}  // namespace

std::string Endpoint::url() const { return "wss://" + host + ":" + std::to_string(port) + target; }

asio::ssl::context make_tls_context(const std::string& ca_file) {
  asio::ssl::context tls{asio::ssl::context::tls_client};
  tls.set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code error;
  if (ca_file.empty()) {
    tls.set_default_verify_paths(error);
    if (error)
      throw std::runtime_error("cannot load the system's CA certificates: " + error.message());
  } else {
    tls.load_verify_file(ca_file, error);
    if (error)
      throw std::runtime_error("TLS_CA_FILE " + ca_file + ": cannot load it as PEM " +
                               "certificates: " + error.message());
  }
  return tls;
}

CoinbaseConnection::CoinbaseConnection(const asio::any_io_executor& executor,
                                       asio::ssl::context& tls, Endpoint endpoint)
    : endpoint_{std::move(endpoint)}, resolver_{executor}, websocket_{executor, tls} {}

asio::awaitable<void> CoinbaseConnection::open(std::chrono::milliseconds timeout,
                                               std::chrono::milliseconds ping_after) {
  beast::get_lowest_layer(websocket_).expires_after(timeout);
  co_await connect_tcp();
  co_await handshake_tls();
  // From here the websocket keeps its own time (pings); reads set their deadline each.
  beast::get_lowest_layer(websocket_).expires_never();
  websocket_.read_message_max(kLargestMessage);
  websocket_.set_option(websocket::stream_base::timeout{
      .handshake_timeout = timeout, .idle_timeout = 2 * ping_after, .keep_alive_pings = true});
  boost::system::error_code error;
  auto handshake = websocket_.async_handshake(endpoint_.host, endpoint_.target,
                                              asio::redirect_error(use_awaitable, error));
  co_await std::move(handshake);
  if (error) fail("websocket handshake", error);
}

asio::awaitable<void> CoinbaseConnection::connect_tcp() {
  boost::system::error_code error;
  auto resolving = resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                                           asio::redirect_error(use_awaitable, error));
  const auto addresses = co_await std::move(resolving);
  if (error) fail("resolving the host", error);
  auto connecting = beast::get_lowest_layer(websocket_)
                        .async_connect(addresses, asio::redirect_error(use_awaitable, error));
  co_await std::move(connecting);
  if (error) fail("TCP connect", error);
}

asio::awaitable<void> CoinbaseConnection::handshake_tls() {
  auto& tls = websocket_.next_layer();
  // SNI takes host names only (RFC 6066); a server addressed by IP gets none.
  if (!is_ip_address(endpoint_.host) &&
      SSL_set_tlsext_host_name(tls.native_handle(), endpoint_.host.c_str()) != 1) {
    fail("setting the TLS server name",
         {static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()});
  }
  tls.set_verify_callback(asio::ssl::host_name_verification(endpoint_.host));
  boost::system::error_code error;
  auto handshake = tls.async_handshake(asio::ssl::stream_base::client,
                                       asio::redirect_error(use_awaitable, error));
  co_await std::move(handshake);
  if (!error) co_return;
  if (const auto refused = verification_failure(tls.native_handle(), error); !refused.empty()) {
    throw ConnectionEnded("TLS handshake with " + endpoint_.url() + ": the server's certificate " +
                          "is not trusted (" + refused + "); it is checked against TLS_CA_FILE, " +
                          "or the system's CAs when that is unset");
  }
  fail("TLS handshake", error);
}

asio::awaitable<void> CoinbaseConnection::send(std::string text) {
  boost::system::error_code error;
  websocket_.text(true);
  auto writing =
      websocket_.async_write(asio::buffer(text), asio::redirect_error(use_awaitable, error));
  co_await std::move(writing);
  if (error) fail("sending", error);
}

asio::awaitable<std::optional<std::string>> CoinbaseConnection::read(Clock::time_point deadline) {
  beast::get_lowest_layer(websocket_).expires_at(deadline);
  buffer_.clear();
  boost::system::error_code error;
  auto reading = websocket_.async_read(buffer_, asio::redirect_error(use_awaitable, error));
  co_await std::move(reading);
  if (error == beast::error::timeout) co_return std::nullopt;
  if (error) fail("reading", error);
  co_return beast::buffers_to_string(buffer_.data());
}

void CoinbaseConnection::abandon() {
  boost::system::error_code ignored;
  beast::get_lowest_layer(websocket_).socket().close(ignored);
}

void CoinbaseConnection::fail(const char* step, const boost::system::error_code& error) const {
  std::string what;
  if (error == websocket::error::closed) {
    const auto& reason = websocket_.reason();
    what = "the server closed the websocket (code " + std::to_string(reason.code) +
           (reason.reason.empty()
                ? std::string{}
                : ", \"" + std::string(reason.reason.data(), reason.reason.size()) + "\"") +
           ")";
  } else if (error == asio::ssl::error::stream_truncated || error == asio::error::eof ||
             error == asio::error::connection_reset) {
    what = "the server dropped the connection without closing it (" + error.message() + ")";
  } else if (error == beast::error::timeout) {
    what = "timed out";
  } else {
    what = error.message();
  }
  throw ConnectionEnded(std::string{step} + " " + endpoint_.url() + ": " + what);
}

}  // namespace cryptometrics::feed
