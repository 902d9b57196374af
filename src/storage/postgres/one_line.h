#pragma once

#include <string>
#include <string_view>

namespace cryptometrics::storage::postgres {

// libpq's and the server's messages span lines ("...failed: Connection refused\n\tIs the server
// running...", "ERROR: ...\nCONTEXT: COPY ..."): the same text on one line, for a log line or a
// reason column.
std::string one_line(std::string_view text);

}  // namespace cryptometrics::storage::postgres
