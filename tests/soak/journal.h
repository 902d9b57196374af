#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cryptometrics::soak {

// What the soak tells as it goes, each line stamped with the time since it started
// (`t=12.3s ...`), and the failures it saw, which decide its exit code. Any thread may write.
class Journal {
 public:
  Journal();

  // One line on stdout.
  void say(std::string_view line);
  // One line on stdout, kept as a failure.
  void fail(std::string_view failure);

  std::chrono::duration<double> elapsed() const;
  std::vector<std::string> failures() const;

 private:
  void print(std::string_view prefix, std::string_view line);

  const std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::vector<std::string> failures_;
};

}  // namespace cryptometrics::soak
