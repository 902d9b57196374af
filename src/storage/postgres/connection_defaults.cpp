#include "storage/postgres/connection_defaults.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>

namespace cryptometrics::storage::postgres {
namespace {

using Setting = std::pair<std::string_view, std::string_view>;

// A lost connection is noticed within about a minute, whether the server went quiet while idle
// (keepalives: 30 s + 3 probes 10 s apart) or while data waits to be acknowledged (30 s).
constexpr std::array<Setting, 8> kDefaults{{
    {"connect_timeout", "10"},
    {"keepalives", "1"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    {"tcp_user_timeout", "30000"},
    {"client_encoding", "UTF8"},
    {"application_name", "crypto-metrics"},
}};

bool is_uri(std::string_view text) {
  return text.starts_with("postgres://") || text.starts_with("postgresql://");
}

// Whether the query part of a URI ("...?a=1&b=2") sets `key`.
bool uri_sets(std::string_view uri, std::string_view key) {
  const auto query = uri.find('?');
  if (query == std::string_view::npos) {
    return false;
  }
  std::string_view rest = uri.substr(query + 1);
  while (!rest.empty()) {
    const auto end = rest.find('&');
    const auto parameter = rest.substr(0, end);
    if (parameter.substr(0, parameter.find('=')) == key) {
      return true;
    }
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  return false;
}

}  // namespace

std::string with_connection_defaults(std::string_view connection_string) {
  if (is_uri(connection_string)) {
    std::string uri{connection_string};
    for (const auto& [key, value] : kDefaults) {
      if (!uri_sets(connection_string, key)) {
        uri += uri.find('?') == std::string::npos ? '?' : '&';
        uri.append(key).append("=").append(value);
      }
    }
    return uri;
  }
  // In a key=value string the last setting of a keyword wins, so the defaults go first.
  std::string text;
  for (const auto& [key, value] : kDefaults) {
    text.append(key).append("=").append(value).append(" ");
  }
  return text.append(connection_string);
}

}  // namespace cryptometrics::storage::postgres
