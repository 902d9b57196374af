#include "support/hostile_messages.h"

namespace cryptometrics::testing {

std::string with_fields(std::string_view fields) {
  return std::string{"{"} + std::string{fields} + "}";
}

std::vector<std::string> hostile_messages() {
  const std::string valid_tail = R"("bid":"1.5","ask":"2.5","timestamp":"2026-11-25T12:00:00Z")";
  std::vector<std::string> messages = {
      // invalid UTF-8, inside a field and as the whole message
      with_fields("\"pair\":\"BTC-\xff\xfe\",") + valid_tail,
      "\xc3\x28\xa0\xa1\xf0\x28\x8c\xbc",
      // deeply nested JSON, as the whole message and as a field's value
      std::string(20'000, '[') + std::string(20'000, ']'),
      with_fields("\"pair\":" + std::string(20'000, '{')),
      // numbers with 400 digits, as a string and as a JSON number
      with_fields("\"pair\":\"BTC-USD\",\"bid\":\"" + std::string(400, '7') +
                  "\",\"ask\":\"" + std::string(401, '7') + "\""),
      with_fields("\"pair\":\"BTC-USD\",\"bid\":1" + std::string(399, '0') + ",\"ask\":2"),
      // 400 fractional digits: a price is never rounded, so it is rejected
      with_fields(R"("pair":"BTC-USD","bid":0.)" + std::string(399, '1') + R"(5,"ask":"0.5")"),
      // NaN and Infinity, quoted and bare
      with_fields(R"("pair":"BTC-USD","bid":"NaN","ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD","bid":NaN,"ask":2.5)"),
      with_fields(R"("pair":"BTC-USD","bid":"1.5","ask":"Infinity")"),
      with_fields(R"("pair":"BTC-USD","bid":1.5,"ask":-Infinity)"),
      with_fields(R"("pair":"BTC-USD","bid":1e400,"ask":2)"),
      // negative and zero prices, ask below bid
      with_fields(R"("pair":"BTC-USD","bid":"-1.5","ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD","bid":"0","ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD","bid":"1.5","ask":"0.000")"),
      with_fields(R"("pair":"BTC-USD","bid":"2.5","ask":"1.5")"),
      // duplicate keys
      with_fields(R"("pair":"BTC-USD","bid":"1.5","bid":"1.6","ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD","pair":"ETH-USD","bid":"1.5","ask":"2.5")"),
      // wrong types
      with_fields(R"("pair":7,"bid":"1.5","ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD","bid":true,"ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD","bid":["1.5"],"ask":{"v":"2.5"})"),
      with_fields(R"("pair":"BTC-USD","bid":null,"ask":"2.5")"),
      R"(["BTC-USD","1.5","2.5"])",
      R"("BTC-USD")",
      "42",
      "null",
      // empty, whitespace, truncated
      "",
      "   \n\t ",
      with_fields(R"("pair":"BTC-USD","bid":"1.5")").substr(0, 20),
      // null bytes
      std::string{"{\"pair\":\"BTC-USD\0\",\"bid\":\"1.5\",\"ask\":\"2.5\"}", 43},
      std::string(64, '\0'),
      // SQL and HTML where the pair goes
      with_fields(R"("pair":"BTC'); DROP TABLE crypto_metrics;--","bid":"1.5","ask":"2.5")"),
      with_fields(R"("pair":"<script>alert(1)</script>","bid":"1.5","ask":"2.5")"),
      with_fields(R"("pair":"BTC-USD\"},{\"x","bid":"1.5","ask":"2.5")"),
  };
  return messages;
}

std::vector<std::string> large_messages(std::size_t bytes) {
  const std::string huge_pair = with_fields("\"pair\":\"" + std::string(bytes - 200, 'A') +
                                            R"(","bid":"1.5","ask":"2.5")");
  const std::string huge_ask = with_fields(R"("pair":"BTC-USD","bid":"1.5","ask":")" +
                                           std::string(bytes - 200, '9') + "\"");
  return {huge_pair, huge_ask};
}

}  // namespace cryptometrics::testing
