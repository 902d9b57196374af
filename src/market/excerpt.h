#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cryptometrics::market {

// `text` made safe to put in a log line or a database column: at most `max_characters`
// characters (then "..."), valid UTF-8, control characters and broken bytes shown as '?'.
std::string excerpt(std::string_view text, std::size_t max_characters);

}  // namespace cryptometrics::market
