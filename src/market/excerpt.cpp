#include "market/excerpt.h"

#include <cstdint>

#include "market/utf8.h"

namespace cryptometrics::market {

std::string excerpt(std::string_view text, std::size_t max_characters) {
  std::string shown;
  std::size_t characters = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    if (characters == max_characters) {
      shown += "...";
      break;
    }
    const std::size_t length = utf8_sequence_length(text.substr(at));
    const auto lead = static_cast<std::uint8_t>(text[at]);
    if (length == 0 || lead < 0x20 || lead == 0x7F) {
      shown += '?';
      ++at;
    } else {
      shown.append(text.substr(at, length));
      at += length;
    }
    ++characters;
  }
  return shown;
}

}  // namespace cryptometrics::market
