#include "storage/postgres/valid_utf8.h"

#include <cstddef>
#include <string>
#include <string_view>

#include "market/utf8.h"

namespace cryptometrics::storage::postgres {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    // PostgreSQL's text cannot hold NUL, though UTF-8 can.
    const std::size_t length = text[at] == '\0' ? 0 : market::utf8_sequence_length(text.substr(at));
    if (length == 0) {
      valid += kReplacement;
      ++at;
    } else {
      valid += text.substr(at, length);
      at += length;
    }
  }
  return valid;
}

}  // namespace cryptometrics::storage::postgres
