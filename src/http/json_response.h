#pragma once

#include <boost/beast/http/status.hpp>
#include <string>
#include <string_view>

#include "http/routes.h"

namespace cryptometrics::http {

// A response carrying `body` as JSON, with the headers every answer of this server has
// (Content-Type, Cache-Control: no-store, Server) and its Content-Length.
Response json_response(boost::beast::http::status status, unsigned version, std::string body);

// {"error": message}
Response error_response(boost::beast::http::status status, unsigned version,
                        std::string_view message);

}  // namespace cryptometrics::http
