#include "http/json_response.h"

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>
#include <utility>

namespace cryptometrics::http {

namespace beast_http = boost::beast::http;

Response json_response(beast_http::status status, unsigned version, std::string body) {
  Response response{status, version};
  response.set(beast_http::field::server, "crypto-metrics");
  response.set(beast_http::field::content_type, "application/json");
  response.set(beast_http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response error_response(beast_http::status status, unsigned version, std::string_view message) {
  return json_response(status, version, nlohmann::json{{"error", message}}.dump());
}

}  // namespace cryptometrics::http
