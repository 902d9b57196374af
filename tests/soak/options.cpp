#include "soak/options.h"

#include <cmath>
#include <stdexcept>
#include <string_view>

namespace cryptometrics::soak {
namespace {

// Each instance is a process with its own threads: beyond 4 a 2-core machine measures itself.
constexpr long kMostInstances = 4;

// The whole text must be the number: "10x" is a mistake, not 10.
template <typename Number, typename Parse>
Number number(std::string_view name, const std::string& text, Parse parse) {
  std::size_t used = 0;
  Number value{};
  try {
    value = parse(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    throw std::invalid_argument(std::string{name} + ": not a number: " + text);
  }
  return value;
}

long whole(std::string_view name, const std::string& text, long lowest, long highest) {
  const long value = number<long>(
      name, text, [](const std::string& t, std::size_t* used) { return std::stol(t, used); });
  if (value < lowest || value > highest) {
    throw std::invalid_argument(std::string{name} + " must be " + std::to_string(lowest) + " to " +
                                std::to_string(highest) + ": " + text);
  }
  return value;
}

}  // namespace

std::string usage() {
  return R"(usage: soak --seed N --minutes M [options]

Drives the crypto-metrics binary (CRYPTO_METRICS_BINARY) through a random schedule of faults,
from the seed, while a producer sends quotes and hostile messages to kafka-dev; then checks from
PostgreSQL and the producer's log that every message was stored exactly once with exact metrics.

  --seed N             the seed of the schedule, the rates and the messages
  --minutes M          how long faults go on (fractions allowed: 0.75)
  --instances K        service instances in one group, 1 to 4 (default 1); with several, the
                       topic has 2 per instance partitions and each instance its own spool
  --sanitized          the binary is an ASan/UBSan build: more time and memory allowed
  --longest-fault S    no fault lasts longer than S seconds (default 30)
  --top-rate N         the producer's highest rate, quotes per second (default 20000)
  --log-dir DIR        keep the producer's log and each service run's stderr in DIR
  --help               this text

Exit code 0 only when every check held.
)";
}

Options parse_options(int argc, char** argv) {
  Options options;
  bool seeded = false;
  bool timed = false;
  for (int at = 1; at < argc; ++at) {
    const std::string_view flag = argv[at];
    if (flag == "--sanitized") {
      options.sanitized = true;
      continue;
    }
    if (at + 1 == argc) throw std::invalid_argument(std::string{flag} + " needs a value");
    const std::string value = argv[++at];
    if (flag == "--seed") {
      options.seed = number<std::uint64_t>(
          flag, value,
          [](const std::string& t, std::size_t* used) { return std::stoull(t, used); });
      seeded = true;
    } else if (flag == "--minutes") {
      options.minutes = number<double>(
          flag, value, [](const std::string& t, std::size_t* used) { return std::stod(t, used); });
      if (!(options.minutes > 0) || !std::isfinite(options.minutes)) {
        throw std::invalid_argument("--minutes must be above 0: " + value);
      }
      timed = true;
    } else if (flag == "--instances") {
      options.instances = static_cast<int>(whole(flag, value, 1, kMostInstances));
    } else if (flag == "--longest-fault") {
      options.longest_fault_seconds = static_cast<int>(whole(flag, value, 1, 30));
    } else if (flag == "--top-rate") {
      options.top_rate = static_cast<int>(whole(flag, value, 100, 20'000));
    } else if (flag == "--log-dir") {
      options.log_directory = value;
    } else {
      throw std::invalid_argument("unknown argument: " + std::string{flag});
    }
  }
  if (!seeded || !timed) throw std::invalid_argument("--seed and --minutes are required");
  return options;
}

}  // namespace cryptometrics::soak
