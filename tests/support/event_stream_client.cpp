#include "support/event_stream_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace cryptometrics::testing {

namespace {

std::runtime_error system_failure(const std::string& what) {
  return std::runtime_error{what + ": " + std::strerror(errno)};
}

std::string lower_case(std::string_view text) {
  std::string lowered{text};
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered;
}

// "HTTP/1.1 200 OK\r\nName: value\r\n…" into `response`.
void parse_header(std::string_view header, HttpResponse& response) {
  const std::size_t line_end = header.find("\r\n");
  const std::string_view status_line = header.substr(0, line_end);
  const std::size_t space = status_line.find(' ');
  if (space == std::string_view::npos) {
    throw std::runtime_error{"malformed status line: " + std::string{status_line}};
  }
  response.status = static_cast<unsigned>(std::stoul(std::string{status_line.substr(space + 1)}));
  std::size_t start = line_end + 2;
  while (start < header.size()) {
    std::size_t end = header.find("\r\n", start);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view line = header.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (value.starts_with(' ')) value.remove_prefix(1);
      response.headers[lower_case(line.substr(0, colon))] = std::string{value};
    }
    start = end + 2;
  }
}

}  // namespace

EventStreamClient::EventStreamClient(unsigned short port, std::string_view target,
                                     int receive_buffer) {
  socket_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_ < 0) throw system_failure("socket");
  if (receive_buffer > 0 &&
      ::setsockopt(socket_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) != 0) {
    throw system_failure("SO_RCVBUF");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw system_failure("connecting to 127.0.0.1:" + std::to_string(port));
  }
  const std::string request = "GET " + std::string{target} +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  if (::send(socket_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw system_failure("sending the request for " + std::string{target});
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more(deadline)) throw std::runtime_error{"closed before the response header"};
  }
  parse_header(std::string_view{buffer_}.substr(0, header_end), response_);
  buffer_.erase(0, header_end + 4);
  response_.body = buffer_;
}

EventStreamClient::~EventStreamClient() {
  if (socket_ >= 0) ::close(socket_);
}

bool EventStreamClient::read_more(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd waiting{.fd = socket_, .events = POLLIN, .revents = 0};
  const int ready = ::poll(&waiting, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
  if (ready < 0) throw system_failure("poll");
  if (ready == 0) throw std::runtime_error{"no event within the timeout"};
  char chunk[16 * 1024];
  const ssize_t read = ::recv(socket_, chunk, sizeof chunk, 0);
  if (read < 0) {
    if (errno == ECONNRESET) return false;
    throw system_failure("recv");
  }
  if (read == 0) {
    ended_cleanly_ = true;
    return false;
  }
  bytes_read_ += static_cast<std::size_t>(read);
  buffer_.append(chunk, static_cast<std::size_t>(read));
  return true;
}

// Blocks end with an empty line; this server writes "\n" line ends.
std::optional<ServerSentEvent> EventStreamClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ended_) {
    const std::size_t block_end = buffer_.find("\n\n");
    if (block_end == std::string::npos) {
      if (!read_more(deadline)) ended_ = true;
      continue;
    }
    const std::string block = buffer_.substr(0, block_end + 1);
    buffer_.erase(0, block_end + 2);
    ServerSentEvent event{.id = {}, .type = "message", .data = {}};
    bool has_data = false;
    std::size_t start = 0;
    while (start < block.size()) {
      const std::size_t end = block.find('\n', start);
      const std::string_view line = std::string_view{block}.substr(start, end - start);
      start = end + 1;
      if (line.starts_with(':')) {
        ++comments_;
        continue;
      }
      const std::size_t colon = line.find(':');
      const std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      if (value.starts_with(' ')) value.remove_prefix(1);
      if (field == "id") event.id = value;
      if (field == "event") event.type = value;
      if (field == "retry") retry_ = value;
      if (field == "data") {
        if (has_data) event.data += '\n';
        event.data += value;
        has_data = true;
      }
    }
    if (has_data) return event;
  }
  return std::nullopt;
}

}  // namespace cryptometrics::testing
