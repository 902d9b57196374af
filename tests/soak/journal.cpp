#include "soak/journal.h"

#include <iomanip>
#include <iostream>
#include <sstream>

namespace cryptometrics::soak {

Journal::Journal() : started_{std::chrono::steady_clock::now()} {}

void Journal::say(std::string_view line) { print("", line); }

void Journal::fail(std::string_view failure) {
  print("FAILED: ", failure);
  std::lock_guard lock{mutex_};
  failures_.emplace_back(failure);
}

std::chrono::duration<double> Journal::elapsed() const {
  return std::chrono::steady_clock::now() - started_;
}

std::vector<std::string> Journal::failures() const {
  std::lock_guard lock{mutex_};
  return failures_;
}

void Journal::print(std::string_view prefix, std::string_view line) {
  std::ostringstream text;
  text << "t=" << std::fixed << std::setprecision(1) << elapsed().count() << "s " << prefix << line
       << '\n';
  std::lock_guard lock{mutex_};
  // Flushed line by line, so that a soak cut short by a timeout has told how far it came.
  std::cout << text.str() << std::flush;
}

}  // namespace cryptometrics::soak
