#include "storage/postgres/refusal.h"

#include <array>
#include <pqxx/except>
#include <string>
#include <string_view>

#include "storage/postgres/unavailable.h"

namespace cryptometrics::storage::postgres {
namespace {

// What the server says when it refuses a connection, before any session exists to carry a
// SQLSTATE (libpq keeps none for a failed connection): each text, and a second one the message
// must hold as well when the first is not enough. libpq's own "no password supplied" is the same
// refusal, found before the server is asked.
struct ConnectionRefusal {
  std::string_view text;
  std::string_view and_text;
  Refusal refusal;
};
constexpr std::array<ConnectionRefusal, 6> kConnectionRefusals{{
    {"authentication failed", "", Refusal::authentication},  // password, peer, ident, ...
    {"no password supplied", "", Refusal::authentication},
    {"no pg_hba.conf entry", "", Refusal::authentication},
    {"role \"", "does not exist", Refusal::authentication},
    {"database \"", "does not exist", Refusal::database},
    {"permission denied for database", "", Refusal::permission},
}};

}  // namespace

std::optional<Refusal> refusal_of(const std::exception& error) {
  if (dynamic_cast<const pqxx::sql_error*>(&error) != nullptr) {
    const std::string state = sqlstate_of(error);
    if (state.starts_with("28")) return Refusal::authentication;
    if (state.starts_with("3D")) return Refusal::database;
    if (state == "42501") return Refusal::permission;
    return std::nullopt;
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    const std::string_view message = error.what();
    const auto holds = [message](std::string_view text) {
      return message.find(text) != std::string_view::npos;
    };
    for (const auto& known : kConnectionRefusals) {
      if (holds(known.text) && holds(known.and_text)) return known.refusal;
    }
  }
  return std::nullopt;
}

bool refuses_row(const std::exception& error) {
  const std::string state = sqlstate_of(error);
  return state.starts_with("22") || state.starts_with("23");
}

}  // namespace cryptometrics::storage::postgres
