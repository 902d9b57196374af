// The headless-Chromium driver against pages of its own, written to a temporary directory.
#include "support/browser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Browser;
using testing::Capture;
using ::testing::HasSubstr;
using testing::TempDir;
using ::testing::ThrowsMessage;
using ::testing::UnorderedElementsAre;
using Clock = std::chrono::steady_clock;

// A page in `directory` with `body`, and its file:// URL.
std::string write_page(const TempDir& directory, const std::string& name, const std::string& body) {
  const auto path = directory / name;
  std::ofstream{path} << "<!doctype html><html><head><meta charset=\"utf-8\">"
                      << "<meta name=\"viewport\" content=\"width=device-width\">"
                      << "<title>" << name << "</title></head>"
                      << "<body style=\"margin: 0\">" << body << "</body></html>";
  return "file://" + path.string();
}

struct PngSize {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool operator==(const PngSize&) const = default;
};

// The size in the IHDR chunk of a whole PNG file: the 8-byte signature, IHDR first, IEND last.
PngSize png_size(const std::filesystem::path& path) {
  std::ifstream file{path, std::ios::binary};
  const std::string bytes{std::istreambuf_iterator<char>{file}, {}};
  const std::string signature{"\x89PNG\r\n\x1a\n", 8};
  const std::string end{"\0\0\0\0IEND\xae\x42\x60\x82", 12};
  if (bytes.size() < 33 || !bytes.starts_with(signature) || bytes.substr(12, 4) != "IHDR" ||
      !bytes.ends_with(end)) {
    throw std::runtime_error(path.string() + " is no whole PNG file");
  }
  const auto big_endian = [&bytes](std::size_t offset) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
    }
    return value;
  };
  return {big_endian(16), big_endian(20)};
}

// Pidfds of the processes descended from this one: while a Browser lives, its Chromium's.
std::vector<int> descendant_pidfds() {
  std::multimap<pid_t, pid_t> children;
  for (const auto& entry : std::filesystem::directory_iterator{"/proc"}) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat{entry.path() / "stat"};
    std::string line;
    if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) continue;
    children.emplace(std::atoi(line.c_str() + line.rfind(')') + 4), std::stoi(name));
  }
  std::vector<int> pidfds;
  std::vector<pid_t> to_visit{::getpid()};
  while (!to_visit.empty()) {
    const pid_t parent = to_visit.back();
    to_visit.pop_back();
    for (auto [child, last] = children.equal_range(parent); child != last; ++child) {
      const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child->second, 0));
      if (pidfd >= 0) pidfds.push_back(pidfd);
      to_visit.push_back(child->second);
    }
  }
  return pidfds;
}

bool exited(int pidfd) {
  pollfd ready{.fd = pidfd, .events = POLLIN, .revents = 0};
  return ::poll(&ready, 1, 0) == 1;
}

TEST(Browser, EvaluateReturnsValuesAsJson) {
  TempDir directory;
  Browser browser;
  browser.navigate(write_page(directory, "values.html", "<p id=\"price\">42.5</p>"));

  EXPECT_EQ(browser.evaluate("6 * 7"), 42);
  EXPECT_EQ(browser.evaluate("document.getElementById('price').textContent"), "42.5");
  EXPECT_EQ(browser.evaluate("document.title"), "values.html");
  EXPECT_EQ(browser.evaluate("document.querySelectorAll('p').length === 1"), true);
  EXPECT_EQ(browser.evaluate("({pair: 'BTC-USD', bids: [1.5, 2]})"),
            (json{{"pair", "BTC-USD"}, {"bids", {1.5, 2}}}));
  EXPECT_EQ(browser.evaluate("new Promise(resolve => setTimeout(() => resolve('later'), 50))"),
            "later");
  EXPECT_TRUE(browser.evaluate("undefined").is_null());
  EXPECT_TRUE(std::isnan(browser.evaluate("0 / 0").get<double>()));
}

TEST(Browser, EvaluateThrowsWithTheExceptionMessage) {
  Browser browser;

  EXPECT_THAT([&] { browser.evaluate("throw new Error('no quotes drawn')"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("Error: no quotes drawn")));
  EXPECT_THAT(
      [&] { browser.evaluate("drawChart()"); },
      ThrowsMessage<std::runtime_error>(HasSubstr("ReferenceError: drawChart is not defined")));
  EXPECT_THAT([&] { browser.evaluate("Promise.reject(new Error('refused'))"); },
              ThrowsMessage<std::runtime_error>(HasSubstr("Error: refused")));
  EXPECT_EQ(browser.evaluate("1 + 1"), 2);
}

TEST(Browser, WaitUntilSeesWhatAPageTimerDid) {
  TempDir directory;
  Browser browser;
  browser.navigate(write_page(directory, "timer.html",
                              "<script>setTimeout(() => {"
                              " document.body.dataset.drawn = 'yes'; }, 300);</script>"));

  ASSERT_TRUE(browser.wait_until("document.body.dataset.drawn === 'yes'", 10s));
  EXPECT_EQ(browser.evaluate("document.body.dataset.drawn"), "yes");
}

TEST(Browser, WaitUntilGivesUpAfterTheTimeout) {
  Browser browser;

  const auto start = Clock::now();
  EXPECT_FALSE(browser.wait_until("document.title === 'never'", 300ms));
  EXPECT_GE(Clock::now() - start, 300ms);
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST(Browser, NavigateThrowsWhenThePageCannotBeLoaded) {
  TempDir directory;
  Browser browser;

  EXPECT_THAT([&] { browser.navigate("file://" + (directory / "missing.html").string()); },
              ThrowsMessage<std::runtime_error>(HasSubstr("net::ERR_FILE_NOT_FOUND")));
  const std::string nobody_listens =
      "http://127.0.0.1:" + std::to_string(testing::free_port()) + "/";
  EXPECT_THAT([&] { browser.navigate(nobody_listens); },
              ThrowsMessage<std::runtime_error>(HasSubstr("net::ERR_CONNECTION_REFUSED")));
}

TEST(Browser, ScreenshotIsAPngOfTheViewport) {
  TempDir directory;
  Browser browser;
  browser.set_viewport(testing::kLaptopViewport);
  browser.navigate(write_page(directory, "laptop.html", "<h1>BTC-USD</h1>"));

  browser.screenshot(directory / "laptop.png");

  EXPECT_EQ(png_size(directory / "laptop.png"), (PngSize{1280, 800}));
}

TEST(Browser, FullPageScreenshotCoversTheWholePage) {
  TempDir directory;
  Browser browser;
  browser.set_viewport(testing::kLaptopViewport);
  browser.navigate(write_page(directory, "long.html", "<div style=\"height: 3000px\"></div>"));

  browser.screenshot(directory / "long.png", Capture::full_page);

  EXPECT_EQ(png_size(directory / "long.png"), (PngSize{1280, 3000}));
}

TEST(Browser, PhoneViewportIsThreeHundredNinetyPixelsWide) {
  TempDir directory;
  Browser browser;
  browser.set_viewport(testing::kPhoneViewport);
  browser.navigate(write_page(directory, "phone.html", "<h1>BTC-USD</h1>"));

  EXPECT_EQ(browser.evaluate("window.innerWidth"), 390);
  EXPECT_EQ(browser.evaluate("window.devicePixelRatio"), 3);
  EXPECT_EQ(browser.evaluate("matchMedia('(pointer: coarse)').matches"), true);
  browser.screenshot(directory / "phone.png");
  EXPECT_EQ(png_size(directory / "phone.png"), (PngSize{390 * 3, 844 * 3}));
}

TEST(Browser, ErrorsHoldConsoleErrorsAndUncaughtExceptions) {
  TempDir directory;
  Browser browser;
  browser.navigate(write_page(directory, "failing.html",
                              "<script>"
                              "console.log('all fine');"
                              "console.error('cannot draw', 42);"
                              "Promise.reject(new Error('nobody caught this'));"
                              "setTimeout(() => { window.failed = true;"
                              " throw new Error('late failure'); }, 0);"
                              "</script>"));
  ASSERT_TRUE(browser.wait_until("window.failed", 10s));

  EXPECT_THAT(browser.errors(),
              UnorderedElementsAre(HasSubstr("cannot draw 42"), HasSubstr("nobody caught this"),
                                   HasSubstr("late failure")));
}

TEST(Browser, ErrorsStayEmptyForACleanPage) {
  TempDir directory;
  Browser browser;
  browser.navigate(write_page(directory, "clean.html", "<script>console.log('drawn');</script>"));

  EXPECT_THAT(browser.errors(), ::testing::IsEmpty());
}

TEST(Browser, LeavesNoChromiumProcessBehindWhenATestFailsMidway) {
  std::vector<int> chromium_processes;
  try {
    Browser browser;
    chromium_processes = descendant_pidfds();
    browser.evaluate("throw new Error('the test fails here')");
  } catch (const std::runtime_error&) {
  }

  ASSERT_FALSE(chromium_processes.empty());
  for (const int pidfd : chromium_processes) {
    EXPECT_TRUE(exited(pidfd));
    ::close(pidfd);
  }
}

}  // namespace
}  // namespace cryptometrics
