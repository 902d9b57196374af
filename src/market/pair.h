#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cryptometrics::market {

// The canonical form of a trading pair, "BASE-QUOTE" in upper case with 2 to 12 ASCII letters or
// digits on each side ("btc-usd" -> "BTC-USD"); nullopt for anything else.
std::optional<std::string> normalize_pair(std::string_view text);

}  // namespace cryptometrics::market
