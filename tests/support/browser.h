#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cryptometrics::testing {

// The size of the page as a device shows it: CSS pixels, and device pixels per CSS pixel.
struct Viewport {
  int width = 0;
  int height = 0;
  double device_scale_factor = 1;
  bool mobile = false;  // mobile layout rules (meta viewport) and touch
};

inline constexpr Viewport kLaptopViewport{1280, 800, 1, false};
inline constexpr Viewport kPhoneViewport{390, 844, 3, true};

// What a screenshot covers.
enum class Capture { viewport, full_page };

// One page in headless Chromium (/usr/bin/chromium), driven over the DevTools protocol, for
// tests of what the dashboard's JavaScript draws. Every call throws std::runtime_error, with
// Chromium's own words where it has any, when the browser fails or does not answer in 30 s.
class Browser {
 public:
  // Starts Chromium with a fresh profile and opens a blank page; throws when Chromium is missing
  // or not ready within 30 s, so that a test without a browser fails rather than skips.
  // Chromium is killed if the thread that made this ends, the test process included.
  Browser();
  // Kills Chromium and every process it started.
  ~Browser();

  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  // Emulates `viewport` for this and later pages. A page needs
  // <meta name="viewport" content="width=device-width"> for a mobile viewport's width to be
  // its layout width.
  void set_viewport(const Viewport& viewport);

  // Loads `url` and returns once its load event fired; throws when the page cannot be loaded
  // (refused connection, missing file) or does not finish loading within `timeout`.
  void navigate(const std::string& url, std::chrono::seconds timeout = std::chrono::seconds{30});

  // The value of `expression` in the page, as JSON; a promise is awaited first. undefined is
  // null; DOM nodes and functions come back as {}. Throws with the exception's message and
  // stack when the expression throws.
  nlohmann::json evaluate(const std::string& expression);

  // Evaluates `expression` every 100 ms until its value is truthy (as JavaScript sees it);
  // false when it is not within `timeout`. An expression that throws ends the wait with that
  // exception: write conditions that hold off while the page is still building (`?.`).
  bool wait_until(const std::string& expression, std::chrono::milliseconds timeout);

  // Writes a PNG of the viewport or of the whole page to `path`; its size in pixels is the
  // size in CSS pixels times the device scale factor.
  void screenshot(const std::filesystem::path& path, Capture capture = Capture::viewport);

  // What the page reported as errors so far: console.error and console.assert messages,
  // uncaught exceptions and rejections, and the browser's own error log (failed loads, for
  // one). Asks the page first, so that everything it logged before this call is included.
  std::vector<std::string> errors();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryptometrics::testing
