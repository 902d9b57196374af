#include "market/quote_decoder.h"

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>

#include "market/excerpt.h"
#include "market/pair.h"
#include "market/top_level_fields.h"

namespace cryptometrics::market {
namespace {

constexpr std::size_t kValueExcerpt = 40;

template <typename T>
using Step = std::variant<T, Rejection>;

// The names one message format gives its fields, and how it carries its time.
struct Format {
  std::string_view pair;
  std::string_view bid;
  std::string_view ask;
  std::string_view time;
  bool epoch_seconds_allowed;
};

constexpr Format kOriginalFormat{"pair", "bid", "ask", "timestamp", true};
constexpr Format kTickerFormat{"product_id", "best_bid", "best_ask", "time", false};

std::string quoted(std::string_view text) { return "'" + excerpt(text, kValueExcerpt) + "'"; }

// A value as a reason shows it: strings quoted, everything else as JSON would spell it.
std::string shown(const JsonField& field) {
  switch (field.kind) {
    case JsonField::Kind::string:
      return quoted(field.text);
    case JsonField::Kind::number:
    case JsonField::Kind::boolean:
      return excerpt(field.text, kValueExcerpt);
    case JsonField::Kind::null:
      return "null";
    case JsonField::Kind::object:
      return "an object";
    case JsonField::Kind::array:
      return "an array";
  }
  return {};
}

const JsonField* find(const TopLevelFields& fields, std::string_view name) {
  const auto found = fields.find(name);
  return found == fields.end() ? nullptr : &found->second;
}

Rejection missing(std::string_view name) {
  return Rejection{RejectionKind::missing_field, "missing field '" + std::string{name} + "'"};
}

Step<std::string> read_pair(const TopLevelFields& fields, std::string_view name) {
  const JsonField* field = find(fields, name);
  if (field == nullptr) {
    return missing(name);
  }
  if (field->kind != JsonField::Kind::string) {
    return Rejection{RejectionKind::wrong_type,
                     "field '" + std::string{name} + "' must be a string"};
  }
  auto pair = normalize_pair(field->text);
  if (!pair) {
    return Rejection{RejectionKind::bad_pair,
                     std::string{name} + " " + quoted(field->text) +
                         " is not BASE-QUOTE of 2 to 12 letters or digits"};
  }
  return std::move(*pair);
}

Step<Decimal> read_price(const TopLevelFields& fields, std::string_view name) {
  const JsonField* field = find(fields, name);
  if (field == nullptr) {
    return missing(name);
  }
  if (field->kind != JsonField::Kind::number && field->kind != JsonField::Kind::string) {
    return Rejection{RejectionKind::wrong_type,
                     "field '" + std::string{name} + "' must be a number or a decimal string"};
  }
  const std::string prefix = std::string{name} + " " + quoted(field->text);
  const auto parsed = Decimal::parse(field->text, kPriceFractionDigits);
  if (const auto* error = std::get_if<DecimalError>(&parsed)) {
    // A negative price is wrong first for its sign, however large or fine it is.
    const bool negative = field->text.starts_with('-');
    switch (*error) {
      case DecimalError::malformed:
        return Rejection{RejectionKind::bad_price, prefix + " is not a decimal number"};
      case DecimalError::not_finite:
        return Rejection{RejectionKind::bad_price, prefix + " is not finite"};
      case DecimalError::out_of_range:
        return Rejection{RejectionKind::bad_price,
                         prefix + (negative ? " is not positive" : " is too large")};
      case DecimalError::too_precise:
        if (negative) {
          return Rejection{RejectionKind::bad_price, prefix + " is not positive"};
        }
        return Rejection{RejectionKind::price_too_precise,
                         prefix + " has more than " + std::to_string(kPriceFractionDigits) +
                             " fractional digits"};
    }
  }
  const Decimal price = std::get<Decimal>(parsed);
  if (!price.is_positive()) {
    return Rejection{RejectionKind::bad_price, prefix + " is not positive"};
  }
  if (price >= Decimal::from_integer(kMaxPrice)) {
    return Rejection{RejectionKind::bad_price, prefix + " is too large"};
  }
  return price;
}

constexpr std::string_view kOutsideStorableYears = " is outside years 0001 to 9999 in UTC";

Step<Timestamp> read_time(const TopLevelFields& fields, const Format& format,
                          std::optional<Timestamp> broker_timestamp) {
  const std::string name{format.time};
  const JsonField* field = find(fields, format.time);
  if (field == nullptr || field->kind == JsonField::Kind::null) {
    if (!broker_timestamp) {
      return Rejection{RejectionKind::missing_field,
                       "missing field '" + name + "' and no broker timestamp"};
    }
    if (!is_storable(*broker_timestamp)) {
      // In milliseconds since 1970, as Kafka keeps it and its tools show it.
      const auto milliseconds =
          std::chrono::floor<std::chrono::milliseconds>(*broker_timestamp).time_since_epoch();
      return Rejection{RejectionKind::bad_timestamp,
                       "missing field '" + name + "' and the Kafka timestamp, " +
                           std::to_string(milliseconds.count()) + " ms since 1970," +
                           std::string{kOutsideStorableYears}};
    }
    return *broker_timestamp;
  }
  if (format.epoch_seconds_allowed && field->kind == JsonField::Kind::number) {
    if (const auto epoch = parse_epoch_seconds(field->text)) {
      return *epoch;
    }
    return Rejection{
        RejectionKind::bad_timestamp,
        name + " " + quoted(field->text) + " is not epoch seconds within years 1970 to 9999"};
  }
  if (field->kind != JsonField::Kind::string) {
    return Rejection{RejectionKind::wrong_type,
                     "field '" + name + "' must be " +
                         (format.epoch_seconds_allowed ? "a number or a string" : "a string")};
  }
  if (format.epoch_seconds_allowed) {
    if (const auto epoch = parse_epoch_seconds(field->text)) {
      return *epoch;
    }
  }
  if (const auto time = parse_rfc3339(field->text)) {
    if (!is_storable(*time)) {
      return Rejection{RejectionKind::bad_timestamp,
                       name + " " + quoted(field->text) + std::string{kOutsideStorableYears}};
    }
    return *time;
  }
  return Rejection{RejectionKind::bad_timestamp,
                   name + " " + quoted(field->text) +
                       (format.epoch_seconds_allowed ? " is not epoch seconds or RFC 3339"
                                                     : " is not RFC 3339")};
}

Decoded decode_fields(const TopLevelFields& fields, const Format& format,
                      std::optional<Timestamp> broker_timestamp) {
  auto pair = read_pair(fields, format.pair);
  if (auto* rejection = std::get_if<Rejection>(&pair)) {
    return std::move(*rejection);
  }
  const auto bid = read_price(fields, format.bid);
  if (const auto* rejection = std::get_if<Rejection>(&bid)) {
    return *rejection;
  }
  const auto ask = read_price(fields, format.ask);
  if (const auto* rejection = std::get_if<Rejection>(&ask)) {
    return *rejection;
  }
  const Decimal bid_price = std::get<Decimal>(bid);
  const Decimal ask_price = std::get<Decimal>(ask);
  if (ask_price < bid_price) {
    return Rejection{RejectionKind::ask_below_bid,
                     std::string{format.ask} + " " + ask_price.to_string() + " is below " +
                         std::string{format.bid} + " " + bid_price.to_string()};
  }
  const auto time = read_time(fields, format, broker_timestamp);
  if (const auto* rejection = std::get_if<Rejection>(&time)) {
    return *rejection;
  }
  return Quote{std::move(std::get<std::string>(pair)), bid_price, ask_price,
               std::get<Timestamp>(time)};
}

}  // namespace

std::string_view rejection_kind_name(RejectionKind kind) {
  switch (kind) {
    case RejectionKind::malformed:
      return "malformed";
    case RejectionKind::missing_field:
      return "missing_field";
    case RejectionKind::wrong_type:
      return "wrong_type";
    case RejectionKind::bad_pair:
      return "bad_pair";
    case RejectionKind::bad_price:
      return "bad_price";
    case RejectionKind::price_too_precise:
      return "price_too_precise";
    case RejectionKind::ask_below_bid:
      return "ask_below_bid";
    case RejectionKind::bad_timestamp:
      return "bad_timestamp";
    case RejectionKind::not_ticker:
      return "not_ticker";
  }
  return "unknown";
}

Decoded decode_quote(std::string_view payload, std::optional<Timestamp> broker_timestamp) {
  auto read = read_top_level_fields(payload);
  if (auto* rejection = std::get_if<Rejection>(&read)) {
    return std::move(*rejection);
  }
  const auto& fields = std::get<TopLevelFields>(read);
  const JsonField* type = find(fields, "type");
  if (type == nullptr) {
    return decode_fields(fields, kOriginalFormat, broker_timestamp);
  }
  if (type->kind != JsonField::Kind::string || type->text != "ticker") {
    return Rejection{RejectionKind::not_ticker, "not a ticker message: type " + shown(*type)};
  }
  return decode_fields(fields, kTickerFormat, broker_timestamp);
}

}  // namespace cryptometrics::market
