#pragma once

#include <string>
#include <string_view>

namespace cryptometrics::storage::postgres {

// `connection_string` (a libpq key=value string or a postgres:// URI) with the settings that
// keep a dead or unreachable server from blocking a call for long: a connect timeout, TCP
// keepalives and a TCP user timeout; plus UTF-8 and an application name. Settings the string
// already has are kept.
std::string with_connection_defaults(std::string_view connection_string);

}  // namespace cryptometrics::storage::postgres
