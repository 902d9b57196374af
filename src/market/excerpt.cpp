#include "market/excerpt.h"

#include <cstdint>

namespace cryptometrics::market {
namespace {

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0 if there is none
// (overlong forms, surrogates and code points past U+10FFFF are not well-formed).
std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(0);
  std::size_t length = 0;
  std::uint8_t second_min = 0x80;
  std::uint8_t second_max = 0xBF;
  if (lead < 0x80) {
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    second_min = lead == 0xE0 ? 0xA0 : 0x80;
    second_max = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    second_min = lead == 0xF0 ? 0x90 : 0x80;
    second_max = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < second_min || byte(1) > second_max) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) {
      return 0;
    }
  }
  return length;
}

}  // namespace

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
