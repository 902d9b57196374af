#include "storage/postgres/one_line.h"

#include <cctype>

namespace cryptometrics::storage::postgres {

std::string one_line(std::string_view text) {
  std::string line;
  bool blank = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      blank = !line.empty();
      continue;
    }
    if (blank) {
      line += ' ';
      blank = false;
    }
    line += c;
  }
  return line;
}

}  // namespace cryptometrics::storage::postgres
