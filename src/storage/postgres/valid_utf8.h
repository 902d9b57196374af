#pragma once

#include <string>
#include <string_view>

namespace cryptometrics::storage::postgres {

// `text` as PostgreSQL's text type takes it: valid UTF-8 without NUL bytes. Each byte that does
// not belong to a valid sequence, and each NUL, becomes U+FFFD. A reason for a rejection may
// quote the bytes of a malformed message; one such byte must not make a whole batch fail.
std::string valid_utf8(std::string_view text);

}  // namespace cryptometrics::storage::postgres
