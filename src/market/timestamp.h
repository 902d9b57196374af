#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cryptometrics::market {

// A point in time in UTC, to the microsecond (what PostgreSQL's timestamptz keeps).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// The instants every store takes, years 0001 to 9999 in UTC: PostgreSQL refuses year 0, and a
// five-digit year is not RFC 3339 and would break the time order of the text SQLite keeps.
inline constexpr Timestamp kEarliestStorable{std::chrono::sys_days{std::chrono::year{1} / 1 / 1}};
inline constexpr Timestamp kLatestStorable{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1} -
                                           std::chrono::microseconds{1}};

constexpr bool is_storable(Timestamp timestamp) {
  return timestamp >= kEarliestStorable && timestamp <= kLatestStorable;
}

// Exact parse of epoch seconds from their text ("1795484378.0145655"), rounded half to even to
// the microsecond. nullopt for text that is not a number or lies outside years 1970..9999.
std::optional<Timestamp> parse_epoch_seconds(std::string_view text);

// RFC 3339 date-time: "2026-11-24T10:54:05.014566Z", "2026-11-24T11:54:05+01:00"; a space or
// lower-case 't'/'z' is accepted too. Fractions beyond microseconds are rounded half to even.
// The instant can lie outside the storable range ("0000-01-01T00:00:00Z", or an offset that
// crosses year 0 or year 9999): is_storable() tells.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

// "2026-11-24T10:54:05.014566Z": always UTC, always six fractional digits; for a storable time,
// always a four-digit year, so that the texts sort in time order.
std::string format_rfc3339(Timestamp timestamp);

}  // namespace cryptometrics::market
