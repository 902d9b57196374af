#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cryptometrics::http {

// One path segment (or query parameter name or value) with its %XX escapes decoded; nullopt
// when a '%' is not followed by two hex digits. Decoding per segment keeps an escaped '/' (%2F)
// from splitting a segment in two. '+' stays '+'.
std::optional<std::string> decode_segment(std::string_view segment);

// The path of a request target as the router reads it: the query string and one trailing slash
// left out ("/metrics/?x=1" is "/metrics"), split at '/', each segment still percent-encoded.
// "/" is one empty segment.
struct PathSegments {
  static constexpr std::size_t kKept = 3;  // no route is deeper
  std::array<std::string_view, kKept> first{};
  std::size_t count = 0;  // all of them, kept or not
};

// nullopt when `target` is not a path (does not start with '/').
std::optional<PathSegments> split_path(std::string_view target);

// Why a path segment names no pair, as the client is told.
struct NotAPair {
  std::string_view reason;
};

// A pair named by a path segment, decoded and canonical ("btc-usd" is "BTC-USD").
std::variant<std::string, NotAPair> pair_from_segment(std::string_view segment);

}  // namespace cryptometrics::http
