#include "http/request_parser.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <limits>

#include "http/json_response.h"

namespace cryptometrics::http {

namespace {

namespace beast_http = boost::beast::http;

std::optional<beast_http::status> status_for(const boost::beast::error_code& error) {
  if (error == beast_http::error::header_limit) {
    return beast_http::status::request_header_fields_too_large;
  }
  if (error == beast_http::error::body_limit) return beast_http::status::payload_too_large;
  if (error == beast_http::error::end_of_stream || error == beast_http::error::partial_message) {
    return std::nullopt;
  }
  if (error.category() == beast_http::make_error_code(beast_http::error::bad_method).category()) {
    return beast_http::status::bad_request;
  }
  return std::nullopt;
}

}  // namespace

void apply_limits(const Limits& limits, RequestParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.header_limit, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(limits.body_limit);
}

std::optional<Response> refusal(const boost::beast::error_code& error) {
  const auto status = status_for(error);
  if (!status) return std::nullopt;
  Response response = error_response(*status, kHttp11, error.message());
  response.keep_alive(false);
  return response;
}

}  // namespace cryptometrics::http
