#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cryptometrics::http {

// One path segment (or query parameter name or value) with its %XX escapes decoded; nullopt
// when a '%' is not followed by two hex digits. Decoding per segment keeps an escaped '/' (%2F)
// from splitting a segment in two. '+' stays '+'.
std::optional<std::string> decode_segment(std::string_view segment);

}  // namespace cryptometrics::http
