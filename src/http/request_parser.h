#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "http/routes.h"
#include "http/server.h"

namespace cryptometrics::http {

// How every session reads a request, and what the fuzz target reads raw requests with.
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Answers to a request not read, or not read whole, go out as HTTP/1.1: its version is unknown.
inline constexpr unsigned kHttp11 = 11;

// Gives `parser` the header and body limits of `limits`, before it reads anything.
void apply_limits(const Limits& limits, RequestParser& parser);

// The answer to a request the parser refused with `error`: {"error": Beast's reason}, 431 or 413
// for a limit and 400 otherwise, with Connection: close, since the rest of the connection cannot
// be read. nullopt when the client simply went away.
std::optional<Response> refusal(const boost::beast::error_code& error);

}  // namespace cryptometrics::http
