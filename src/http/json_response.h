#pragma once

#include <boost/beast/http/status.hpp>
#include <nlohmann/json_fwd.hpp>
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

// `body` as JSON text, each byte that is not part of valid UTF-8 written as U+FFFD. For bodies
// that carry text from outside (an error that echoes a client, a library's message in another
// encoding): strict JSON would throw on them, failing the request instead of answering it.
std::string json_replacing_invalid_utf8(const nlohmann::ordered_json& body);

// {"error": message}, whatever bytes `message` holds.
Response error_response(boost::beast::http::status status, unsigned version,
                        std::string_view message);

}  // namespace cryptometrics::http
