#include "http/path_segment.h"

#include <utility>

#include "market/pair.h"

namespace cryptometrics::http {
namespace {

std::optional<int> hex_value(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> decode_segment(std::string_view segment) {
  std::string decoded;
  decoded.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      decoded.push_back(segment[i]);
      continue;
    }
    if (i + 2 >= segment.size()) return std::nullopt;
    const auto high = hex_value(segment[i + 1]);
    const auto low = hex_value(segment[i + 2]);
    if (!high || !low) return std::nullopt;
    decoded.push_back(static_cast<char>(*high * 16 + *low));
    i += 2;
  }
  return decoded;
}

std::optional<PathSegments> split_path(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (!path.starts_with('/')) return std::nullopt;
  path.remove_prefix(1);
  if (path.ends_with('/')) path.remove_suffix(1);
  PathSegments segments;
  while (true) {
    const std::size_t slash = path.find('/');
    if (segments.count < PathSegments::kKept) {
      segments.first[segments.count] = path.substr(0, slash);
    }
    ++segments.count;
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

std::variant<std::string, NotAPair> pair_from_segment(std::string_view segment) {
  const auto decoded = decode_segment(segment);
  if (!decoded) return NotAPair{"malformed percent-encoding in the path"};
  auto pair = market::normalize_pair(*decoded);
  if (!pair) return NotAPair{"malformed pair: expected BASE-QUOTE, 2 to 12 letters or digits each"};
  return std::move(*pair);
}

}  // namespace cryptometrics::http
