#include "storage/postgres/connection_string.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>

namespace cryptometrics::storage::postgres {
namespace {

using OptionArray = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// The settings that an array from libpq holds a value for, in libpq's order.
std::vector<ConnectionOption> options_set_in(const OptionArray& array) {
  std::vector<ConnectionOption> options;
  for (const PQconninfoOption* option = array.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr) {
      options.push_back({option->keyword, option->val});
    }
  }
  return options;
}

// libpq's key=value quoting: single quotes, a backslash before ' and \.
std::string quoted(std::string_view value) {
  std::string text = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') {
      text += '\\';
    }
    text += c;
  }
  return text + "'";
}

std::vector<std::string_view> comma_separated(std::string_view list) {
  std::vector<std::string_view> entries;
  for (auto comma = list.find(','); comma != std::string_view::npos; comma = list.find(',')) {
    entries.push_back(list.substr(0, comma));
    list.remove_prefix(comma + 1);
  }
  entries.push_back(list);
  return entries;
}

// An int as libpq reads one (blanks around it allowed), or nullopt.
std::optional<int> integer_of(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  text = first == std::string_view::npos ? std::string_view{} : text.substr(first);
  text = text.substr(0, text.find_last_not_of(" \t") + 1);
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

struct Choice {
  std::string_view keyword;
  std::span<const std::string_view> values;
};

constexpr std::array<std::string_view, 6> kSslModes{"disable", "allow",     "prefer",
                                                    "require", "verify-ca", "verify-full"};
constexpr std::array<std::string_view, 3> kNegotiations{"disable", "prefer", "require"};
constexpr std::array<std::string_view, 6> kSessionAttributes{
    "any", "read-write", "read-only", "primary", "standby", "prefer-standby"};

// The keywords whose values libpq checks only when it connects (PostgreSQL 15's libpq).
constexpr std::array<Choice, 4> kChoices{{
    {"sslmode", kSslModes},
    {"gssencmode", kNegotiations},
    {"channel_binding", kNegotiations},
    {"target_session_attrs", kSessionAttributes},
}};

// "a, b or c".
std::string one_of(std::span<const std::string_view> values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    text += std::string{i == 0                   ? ""
                        : i + 1 == values.size() ? " or "
                                                 : ", "} +
            std::string{values[i]};
  }
  return text;
}
constexpr std::array<std::string_view, 6> kIntegers{"connect_timeout",  "keepalives",
                                                    "keepalives_idle",  "keepalives_interval",
                                                    "keepalives_count", "tcp_user_timeout"};

// libpq's defaults for what a connection string leaves out: its environment variables (PGHOST,
// PGUSER ...), then what it was built with.
std::string libpq_default(std::string_view keyword) {
  const OptionArray defaults{PQconndefaults(), &PQconninfoFree};
  if (defaults) {
    for (const auto& option : options_set_in(defaults)) {
      if (option.keyword == keyword) {
        return option.value;
      }
    }
  }
  return {};
}

}  // namespace

std::optional<ConnectionSettings> ConnectionSettings::read(std::string_view text) {
  char* message = nullptr;
  const OptionArray array{PQconninfoParse(std::string{text}.c_str(), &message), &PQconninfoFree};
  PQfreemem(message);
  if (!array) {
    return std::nullopt;
  }
  return ConnectionSettings{options_set_in(array)};
}

ConnectionSettings::ConnectionSettings(std::vector<ConnectionOption> options)
    : options_{std::move(options)} {}

const std::string* ConnectionSettings::find(std::string_view keyword) const {
  const auto found = std::ranges::find(options_, keyword, &ConnectionOption::keyword);
  return found == options_.end() ? nullptr : &found->value;
}

void ConnectionSettings::set_default(std::string_view keyword, std::string_view value) {
  if (find(keyword) == nullptr) {
    options_.push_back({std::string{keyword}, std::string{value}});
  }
}

std::optional<std::string> ConnectionSettings::problem() const {
  const auto listed = [this](std::string_view keyword) {
    const std::string* value = find(keyword);
    return value == nullptr || value->empty() ? std::vector<std::string_view>{}
                                              : comma_separated(*value);
  };
  const auto hosts = listed("host");
  const auto addresses = listed("hostaddr");
  const auto ports = listed("port");
  if (!hosts.empty() && !addresses.empty() && hosts.size() != addresses.size()) {
    return "host and hostaddr must list as many entries as each other";
  }
  const std::size_t host_count = std::max<std::size_t>({hosts.size(), addresses.size(), 1});
  if (ports.size() > 1 && ports.size() != host_count) {
    return "port must list one port, or one for each host";
  }
  for (const auto port : ports) {
    const auto number = integer_of(port);
    if (!port.empty() && (!number || *number < 1 || *number > 65535)) {
      return "port must be a number from 1 to 65535";
    }
  }
  for (const auto& choice : kChoices) {
    const std::string* value = find(choice.keyword);
    if (value != nullptr && !value->empty() &&
        std::ranges::find(choice.values, *value) == choice.values.end()) {
      return std::string{choice.keyword} + " must be one of " + one_of(choice.values);
    }
  }
  for (const auto keyword : kIntegers) {
    const std::string* value = find(keyword);
    if (value != nullptr && !value->empty() && !integer_of(*value)) {
      return std::string{keyword} + " must be a whole number";
    }
  }
  return std::nullopt;
}

std::string ConnectionSettings::text() const {
  std::string text;
  for (const auto& [keyword, value] : options_) {
    text += (text.empty() ? "" : " ") + keyword + "=" + quoted(value);
  }
  return text;
}

std::string ConnectionSettings::describe() const {
  const auto value_of = [this](std::string_view keyword) {
    const std::string* value = find(keyword);
    return value != nullptr && !value->empty() ? *value : libpq_default(keyword);
  };
  std::string host = value_of("host");
  if (host.empty()) {
    host = value_of("hostaddr");
  }
  if (host.empty()) {
    host = "[local]";
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  const std::string user = value_of("user");
  const std::string port = value_of("port");
  const std::string database = value_of("dbname");
  return user + "@" + host + ":" + port + "/" + (database.empty() ? user : database);
}

}  // namespace cryptometrics::storage::postgres
