#pragma once

#include <string>
#include <string_view>

namespace cryptometrics::storage::postgres {

// `connection_string` (a libpq key=value string or a postgresql:// URI) as a key=value string
// with the settings that keep a dead or unreachable server from blocking a call for long: a
// connect timeout, TCP keepalives and a TCP user timeout; plus UTF-8 and an application name.
// Settings the string already has are kept. Throws std::invalid_argument, without quoting it,
// when libpq cannot read `connection_string`.
std::string with_connection_defaults(std::string_view connection_string);

}  // namespace cryptometrics::storage::postgres
