#include "support/temp_dir.h"

#include <stdlib.h>

#include <string>
#include <system_error>

namespace cryptometrics::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "crypto-metrics-test-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace cryptometrics::testing
