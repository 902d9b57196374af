#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace cryptometrics::soak {

struct Options {
  std::uint64_t seed = 0;
  double minutes = 0;  // of faults; start-up, the drain and the checks come on top
  int instances = 1;
  // The service is a build with AddressSanitizer and UBSan: slower and larger, so the soak
  // gives it more time and memory, and reads its reports.
  bool sanitized = false;
  int longest_fault_seconds = 30;       // caps every fault's duration, for a short soak
  int top_rate = 20'000;                // quotes per second at most
  std::filesystem::path log_directory;  // where the producer's and the service's logs are kept
};

// The usage, for --help and for a bad argument.
std::string usage();

// Throws std::invalid_argument naming the argument that is wrong.
Options parse_options(int argc, char** argv);

}  // namespace cryptometrics::soak
