#include "http/json_response.h"

#include <gtest/gtest.h>

#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace cryptometrics::http {
namespace {

using boost::beast::http::status;

// Every error the server answers passes here, whatever text it carries: a storage error in
// another encoding, say. The builder must not throw, or the request it answers would fail.
TEST(ErrorResponse, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  Response response;
  ASSERT_NO_THROW(response = error_response(status::service_unavailable, 11,
                                            "storage cannot answer: caf\xe9 \xff\xc3\xa9"));

  EXPECT_EQ(response.result(), status::service_unavailable);
  EXPECT_EQ(nlohmann::json::parse(response.body()).at("error"),
            "storage cannot answer: caf\xef\xbf\xbd \xef\xbf\xbd\xc3\xa9");
}

TEST(ErrorResponse, ValidTextIsKeptAsItIs) {
  const Response response = error_response(status::bad_request, 11, "pair \"caf\xc3\xa9\"\n");

  EXPECT_EQ(response.body(), R"({"error":"pair \"café\"\n"})");
  EXPECT_EQ(response[boost::beast::http::field::content_type], "application/json");
}

}  // namespace
}  // namespace cryptometrics::http
