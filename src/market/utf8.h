#pragma once

#include <cstddef>
#include <string_view>

namespace cryptometrics::market {

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0 if there is none
// (overlong forms, surrogates and code points past U+10FFFF are not well-formed, RFC 3629).
std::size_t utf8_sequence_length(std::string_view text);

}  // namespace cryptometrics::market
