#pragma once

#include <boost/beast/http/status.hpp>
#include <string>
#include <string_view>

#include "http/routes.h"

namespace cryptometrics::http {

// A response with the headers every answer of this server has: Server, Content-Type,
// Cache-Control: no-store. No body yet.
Response answer_of_type(boost::beast::http::status status, unsigned version,
                        std::string_view content_type);

// A response carrying `body` of `content_type`, with those headers and its Content-Length.
Response body_response(boost::beast::http::status status, unsigned version,
                       std::string_view content_type, std::string body);

// The same for a JSON body.
Response json_response(boost::beast::http::status status, unsigned version, std::string body);

// {"error": message}
Response error_response(boost::beast::http::status status, unsigned version,
                        std::string_view message);

}  // namespace cryptometrics::http
