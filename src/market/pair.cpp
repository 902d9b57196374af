#include "market/pair.h"

#include <cstddef>

namespace cryptometrics::market {
namespace {

constexpr std::size_t kMinSymbolLength = 2;
constexpr std::size_t kMaxSymbolLength = 12;

bool is_symbol(std::string_view symbol) {
  if (symbol.size() < kMinSymbolLength || symbol.size() > kMaxSymbolLength) {
    return false;
  }
  for (const char c : symbol) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !digit) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> normalize_pair(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos || !is_symbol(text.substr(0, dash)) ||
      !is_symbol(text.substr(dash + 1))) {
    return std::nullopt;
  }
  std::string canonical{text};
  for (char& c : canonical) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return canonical;
}

}  // namespace cryptometrics::market
