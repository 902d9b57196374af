#include "http/dashboard_page.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

namespace cryptometrics::http {
namespace {

std::size_t occurrences(std::string_view text, std::string_view part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::string lower_case(std::string_view text) {
  std::string lower{text};
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

TEST(DashboardPage, IsOneWholeDocument) {
  const std::string_view page = dashboard_page();

  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>\n"));
  EXPECT_TRUE(page.ends_with("</html>\n"));
  EXPECT_EQ(occurrences(page, "<html"), 1U);
}

TEST(DashboardPage, FitsTheWidthOfPhones) {
  EXPECT_NE(dashboard_page().find(
                R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"),
            std::string_view::npos);
}

TEST(DashboardPage, InlinesTheStylesheetAndTheScript) {
  const std::string_view page = dashboard_page();

  EXPECT_EQ(occurrences(page, "<style>\n"), 1U);
  EXPECT_EQ(occurrences(page, "</style>"), 1U);
  EXPECT_EQ(occurrences(page, "<script>\n'use strict';"), 1U);
  EXPECT_EQ(occurrences(page, "</script>"), 1U);
  EXPECT_EQ(page.find("<!-- dashboard.css -->"), std::string_view::npos);
  EXPECT_EQ(page.find("<!-- dashboard.js -->"), std::string_view::npos);
}

TEST(DashboardPage, LoadsNothingFromElsewhere) {
  const std::string page = lower_case(dashboard_page());

  for (const std::string_view external :
       {R"(src="http)", R"(href="http)", "//cdn", R"(<link rel="stylesheet")",
        "<script src=", "@import", "url(http"}) {
    EXPECT_EQ(page.find(external), std::string::npos) << external;
  }
}

}  // namespace
}  // namespace cryptometrics::http
