#include "http/json_response.h"

#include <boost/beast/http/field.hpp>
#include <nlohmann/json.hpp>
#include <utility>

namespace cryptometrics::http {

namespace beast_http = boost::beast::http;

Response answer_of_type(beast_http::status status, unsigned version,
                        std::string_view content_type) {
  Response response{status, version};
  response.set(beast_http::field::server, "crypto-metrics");
  response.set(beast_http::field::content_type,
               boost::beast::string_view{content_type.data(), content_type.size()});
  response.set(beast_http::field::cache_control, "no-store");
  return response;
}

Response body_response(beast_http::status status, unsigned version, std::string_view content_type,
                       std::string body) {
  Response response = answer_of_type(status, version, content_type);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response json_response(beast_http::status status, unsigned version, std::string body) {
  return body_response(status, version, "application/json", std::move(body));
}

std::string json_replacing_invalid_utf8(const nlohmann::ordered_json& body) {
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Every error answered passes here, so no text in one can make the answer throw.
Response error_response(beast_http::status status, unsigned version, std::string_view message) {
  return json_response(status, version,
                       json_replacing_invalid_utf8(nlohmann::ordered_json{{"error", message}}));
}

}  // namespace cryptometrics::http
