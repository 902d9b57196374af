#include "storage/postgres/connection_defaults.h"

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "storage/postgres/connection_string.h"

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

}  // namespace

std::string with_connection_defaults(std::string_view connection_string) {
  auto settings = ConnectionSettings::read(connection_string);
  if (!settings) {
    throw std::invalid_argument{
        "the connection settings are malformed (libpq's message is withheld: it quotes them, "
        "password included)"};
  }
  for (const auto& [keyword, value] : kDefaults) {
    settings->set_default(keyword, value);
  }
  return settings->text();
}

}  // namespace cryptometrics::storage::postgres
