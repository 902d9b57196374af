#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "market/excerpt.h"
#include "market/quote_decoder.h"

namespace cryptometrics::market {
namespace {

const std::vector<std::string> kValidMessages = {
    R"({"pair":"BTC-USD","bid":46396.27,"ask":46535.3,"timestamp":1795484378.0145655})",
    R"({"pair":"eth-usd","bid":"3000.5","ask":"3001","timestamp":"2026-11-24T10:54:05.014566Z"})",
    R"({"type":"ticker","sequence":1,"product_id":"ETH-USD","best_bid":"1285.04",)"
    R"("best_ask":"1285.27","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401})",
};

// Reasons are short: at most a fixed text plus a few cut-short values of up to 4 bytes a character.
constexpr std::size_t kMaxReasonBytes = 1000;

// Every outcome must be a quote or a rejection whose reason can go straight into a log line.
void expect_decodes_safely(const std::string& payload) {
  Decoded decoded;
  ASSERT_NO_THROW(decoded = decode_quote(payload, std::nullopt)) << payload;
  if (const auto* rejection = std::get_if<Rejection>(&decoded)) {
    EXPECT_FALSE(rejection->reason.empty()) << payload;
    EXPECT_LE(rejection->reason.size(), kMaxReasonBytes) << payload;
    EXPECT_EQ(excerpt(rejection->reason, kMaxReasonBytes), rejection->reason) << payload;
  }
}

TEST(DecodeFuzz, SurvivesRandomBytes) {
  std::mt19937 random{20260124};
  std::uniform_int_distribution<int> length{0, 80};
  std::uniform_int_distribution<int> byte{0, 255};
  for (int round = 0; round < 20'000; ++round) {
    std::string payload(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : payload) {
      c = static_cast<char>(byte(random));
    }
    expect_decodes_safely(payload);
  }
}

TEST(DecodeFuzz, SurvivesEveryTruncationOfValidMessages) {
  for (const std::string& message : kValidMessages) {
    for (std::size_t length = 0; length < message.size(); ++length) {
      const std::string truncated = message.substr(0, length);
      expect_decodes_safely(truncated);
      EXPECT_TRUE(std::holds_alternative<Rejection>(decode_quote(truncated, std::nullopt)))
          << truncated;
    }
  }
}

TEST(DecodeFuzz, SurvivesRandomEditsOfValidMessages) {
  std::mt19937 random{7};
  const std::string alphabet = "{}[]\":,.-+eE0123456789 nulltruefalseNaN\\\x01\xff\xc3";
  std::uniform_int_distribution<std::size_t> pick{0, alphabet.size() - 1};
  for (const std::string& message : kValidMessages) {
    std::uniform_int_distribution<std::size_t> position{0, message.size() - 1};
    for (int round = 0; round < 5'000; ++round) {
      std::string edited = message;
      for (int edit = 0; edit < 1 + round % 4; ++edit) {
        const std::size_t at = position(random) % edited.size();
        switch (random() % 3) {
          case 0:
            edited[at] = alphabet[pick(random)];
            break;
          case 1:
            edited.insert(at, 1, alphabet[pick(random)]);
            break;
          default:
            edited.erase(at, 1);
            break;
        }
      }
      expect_decodes_safely(edited);
    }
  }
}

TEST(DecodeFuzz, SurvivesDeepNestingAndHugeNumbers) {
  expect_decodes_safely(std::string(100'000, '[') + std::string(100'000, ']'));
  expect_decodes_safely(R"({"pair":"BTC-USD","x":)" + std::string(100'000, '[') + "}");
  expect_decodes_safely(R"({"pair":"BTC-USD","bid":)" + std::string(10'000, '9') + R"(,"ask":1})");
  expect_decodes_safely(R"({"pair":"BTC-USD","bid":1e)" + std::string(10'000, '9') +
                        R"(,"ask":1})");
  expect_decodes_safely(R"({"pair":"BTC-USD","bid":1,"ask":"1e-)" + std::string(10'000, '9') +
                        R"("})");
}

}  // namespace
}  // namespace cryptometrics::market
