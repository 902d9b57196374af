#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cryptometrics::market {

// A point in time in UTC, to the microsecond (what PostgreSQL's timestamptz keeps).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// Exact parse of epoch seconds from their text ("1795484378.0145655"), rounded half to even to
// the microsecond. nullopt for text that is not a number or lies outside years 1970..9999.
std::optional<Timestamp> parse_epoch_seconds(std::string_view text);

// RFC 3339 date-time: "2026-11-24T10:54:05.014566Z", "2026-11-24T11:54:05+01:00"; a space or
// lower-case 't'/'z' is accepted too. Fractions beyond microseconds are rounded half to even.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// "2026-11-24T10:54:05.014566Z": always UTC, always six fractional digits.
std::string format_rfc3339(Timestamp timestamp);

}  // namespace cryptometrics::market
