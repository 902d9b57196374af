#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace cryptometrics::fuzz {

// Every file of tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/, in name order:
// the seed corpus and the inputs that once crashed a fuzz target, so that the normal build runs
// each of them again. Needs CRYPTO_METRICS_SOURCE_ROOT.
inline std::vector<std::filesystem::path> fuzz_inputs(std::string_view target) {
  const std::filesystem::path fuzz_root =
      std::filesystem::path(CRYPTO_METRICS_SOURCE_ROOT) / "tests" / "fuzz";
  std::vector<std::filesystem::path> inputs;
  for (const auto* folder : {"corpus", "regressions"}) {
    const auto directory = fuzz_root / folder / target;
    if (!std::filesystem::is_directory(directory)) {
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
      if (entry.is_regular_file()) {
        inputs.push_back(entry.path());
      }
    }
  }
  std::ranges::sort(inputs);
  return inputs;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace cryptometrics::fuzz
