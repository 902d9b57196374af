#include "market/timestamp.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "market/decimal_text.h"

namespace cryptometrics::market {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr int kMicrosecondDigits = 6;
// The first instant past the storable range, in microseconds since 1970.
constexpr Int128 kEndOfStorableMicros = Int128{kLatestStorable.time_since_epoch().count()} + 1;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `width` digits at `at`, advancing past them.
std::optional<int> fixed_digits(std::string_view text, std::size_t& at, std::size_t width) {
  if (text.size() - at < width) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[at + i];
    if (!is_digit(c)) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  at += width;
  return value;
}

bool expect(std::string_view text, std::size_t& at, std::string_view choices) {
  if (at < text.size() && choices.find(text[at]) != std::string_view::npos) {
    ++at;
    return true;
  }
  return false;
}

// The fraction of a second after a '.', rounded half to even to whole microseconds (1'000'000
// when it rounds up to the next second).
std::optional<std::int64_t> fraction_micros(std::string_view text, std::size_t& at) {
  const std::size_t start = at;
  while (at < text.size() && is_digit(text[at])) {
    ++at;
  }
  if (at == start) {
    return std::nullopt;
  }
  std::string decimal = "0.";
  decimal.append(text.substr(start, at - start));
  const auto parsed = parse_scaled_decimal(decimal, kMicrosecondDigits, Int128{2'000'000},
                                           FinerDigits::round_half_to_even);
  if (!std::holds_alternative<Int128>(parsed)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::get<Int128>(parsed));
}

// "+01:00" or "-05:30" as a duration east of UTC; "Z" as zero.
std::optional<minutes> utc_offset(std::string_view text, std::size_t& at) {
  if (expect(text, at, "Zz")) {
    return minutes{0};
  }
  if (at >= text.size() || (text[at] != '+' && text[at] != '-')) {
    return std::nullopt;
  }
  const bool west = text[at] == '-';
  ++at;
  const auto offset_hours = fixed_digits(text, at, 2);
  if (!offset_hours || !expect(text, at, ":")) {
    return std::nullopt;
  }
  const auto offset_minutes = fixed_digits(text, at, 2);
  if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
    return std::nullopt;
  }
  const minutes offset = hours{*offset_hours} + minutes{*offset_minutes};
  return west ? -offset : offset;
}

}  // namespace

std::optional<Timestamp> parse_epoch_seconds(std::string_view text) {
  const auto parsed = parse_scaled_decimal(text, kMicrosecondDigits, kEndOfStorableMicros,
                                           FinerDigits::round_half_to_even);
  if (!std::holds_alternative<Int128>(parsed) || std::get<Int128>(parsed) < 0) {
    return std::nullopt;
  }
  return Timestamp{microseconds{static_cast<std::int64_t>(std::get<Int128>(parsed))}};
}

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  std::size_t at = 0;
  const auto year = fixed_digits(text, at, 4);
  if (!year || !expect(text, at, "-")) {
    return std::nullopt;
  }
  const auto month = fixed_digits(text, at, 2);
  if (!month || !expect(text, at, "-")) {
    return std::nullopt;
  }
  const auto day = fixed_digits(text, at, 2);
  if (!day || !expect(text, at, "Tt ")) {
    return std::nullopt;
  }
  const auto hour = fixed_digits(text, at, 2);
  if (!hour || !expect(text, at, ":")) {
    return std::nullopt;
  }
  const auto minute = fixed_digits(text, at, 2);
  if (!minute || !expect(text, at, ":")) {
    return std::nullopt;
  }
  const auto second = fixed_digits(text, at, 2);
  if (!second) {
    return std::nullopt;
  }
  std::int64_t micros = 0;
  if (expect(text, at, ".")) {
    const auto fraction = fraction_micros(text, at);
    if (!fraction) {
      return std::nullopt;
    }
    micros = *fraction;
  }
  const auto offset = utc_offset(text, at);
  if (!offset || at != text.size()) {
    return std::nullopt;
  }

  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  // A UTC clock without leap seconds has no second 60, and no feed we read sends one.
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const auto local = std::chrono::sys_days{date} + hours{*hour} + minutes{*minute} +
                     seconds{*second} + microseconds{micros};
  return Timestamp{local - *offset};
}

std::string format_rfc3339(Timestamp timestamp) {
  const auto day = std::chrono::floor<days>(timestamp);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{timestamp - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<long long>(time.subseconds().count()));
  return text;
}

}  // namespace cryptometrics::market
