#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "market/quote_decoder.h"

namespace cryptometrics::market {

// One member of the top-level JSON object, as much of it as decoding needs.
struct JsonField {
  enum class Kind { null, boolean, number, string, object, array };

  Kind kind = Kind::null;
  // A number's JSON text exactly as written (integers in plain digits), a string's content,
  // "true" or "false"; empty for the rest.
  std::string text;

  bool operator==(const JsonField&) const = default;
};

using TopLevelFields = std::map<std::string, JsonField, std::less<>>;

// The members of the JSON object in `payload`, nested values reduced to their kind. Rejects text
// that is not JSON, JSON that is not an object, and an object naming a member twice.
std::variant<TopLevelFields, Rejection> read_top_level_fields(std::string_view payload);

}  // namespace cryptometrics::market
