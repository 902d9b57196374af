#pragma once

#include <string_view>

namespace cryptometrics::http {

// The dashboard answered at GET /: one HTML document with its stylesheet and script inlined, so
// it loads nothing else. Defined by the source that dashboard/embed.py generates at build time
// from dashboard/index.html, dashboard.css and dashboard.js.
std::string_view dashboard_page();

}  // namespace cryptometrics::http
