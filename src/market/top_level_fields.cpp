#include "market/top_level_fields.h"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "market/excerpt.h"

namespace cryptometrics::market {
namespace {

using Json = nlohmann::json;

// nlohmann/json reports a number too large for a double as a parse error and stops. Such a number
// is still JSON, and its field deserves its own reason ("bid '1e999' is too large"), so the parse
// is repeated with the number replaced, at most this many times per payload.
constexpr int kMaxOverflowingNumbers = 8;
constexpr int kNumberOverflowError = 406;
constexpr std::size_t kParserMessageExcerpt = 160;
constexpr std::size_t kKeyExcerpt = 40;

struct OverflowingNumber {
  std::size_t ordinal;  // how many numbers come before it in the payload
  std::size_t end;      // offset just past its text
  std::string text;
};

// Collects the top-level members; counts numbers in document order so that a replaced number can
// be given back its original text.
class FieldCollector : public nlohmann::json_sax<Json> {
 public:
  explicit FieldCollector(const std::map<std::size_t, std::string>& replaced_numbers)
      : replaced_numbers_{replaced_numbers} {}

  bool null() override { return value({JsonField::Kind::null, {}}); }
  bool boolean(bool flag) override {
    return value({JsonField::Kind::boolean, flag ? "true" : "false"});
  }
  bool number_integer(number_integer_t number) override {
    return number_value(std::to_string(number));
  }
  bool number_unsigned(number_unsigned_t number) override {
    return number_value(std::to_string(number));
  }
  bool number_float(number_float_t /*number*/, const string_t& text) override {
    return number_value(text);
  }
  bool string(string_t& text) override { return value({JsonField::Kind::string, text}); }
  bool binary(binary_t& /*bytes*/) override { return value({JsonField::Kind::string, {}}); }
  bool start_object(std::size_t /*elements*/) override {
    if (depth_ == 0) {
      is_object_ = true;
    }
    return open({JsonField::Kind::object, {}});
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*elements*/) override { return open({JsonField::Kind::array, {}}); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    if (depth_ == 1) {
      if (fields_.contains(name) && !duplicate_) {
        duplicate_ = name;
      }
      key_ = name;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override {
    if (error.id == kNumberOverflowError && last_token.size() <= position) {
      overflow_ = OverflowingNumber{numbers_seen_, position, last_token};
    } else {
      parser_message_ = error.what();
    }
    return false;
  }

  TopLevelFields& fields() { return fields_; }
  bool is_object() const { return is_object_; }
  const std::optional<std::string>& duplicate() const { return duplicate_; }
  const std::optional<OverflowingNumber>& overflow() const { return overflow_; }
  const std::string& parser_message() const { return parser_message_; }

 private:
  bool number_value(std::string text) {
    const auto replaced = replaced_numbers_.find(numbers_seen_++);
    if (replaced != replaced_numbers_.end()) {
      text = replaced->second;
    }
    return value({JsonField::Kind::number, std::move(text)});
  }
  bool value(JsonField field) {
    if (depth_ == 1) {
      fields_.insert_or_assign(key_, std::move(field));
    }
    return true;
  }
  bool open(JsonField field) {
    value(std::move(field));
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  const std::map<std::size_t, std::string>& replaced_numbers_;
  std::size_t depth_ = 0;
  std::size_t numbers_seen_ = 0;
  bool is_object_ = false;
  std::string key_;
  TopLevelFields fields_;
  std::optional<std::string> duplicate_;
  std::optional<OverflowingNumber> overflow_;
  std::string parser_message_;
};

// "[json.exception.parse_error.101] parse error at ..." without the bracketed prefix.
std::string without_exception_id(const std::string& message) {
  const std::size_t prefix_end = message.find("] ");
  return prefix_end == std::string::npos ? message : message.substr(prefix_end + 2);
}

}  // namespace

std::variant<TopLevelFields, Rejection> read_top_level_fields(std::string_view payload) {
  std::string text{payload};
  std::map<std::size_t, std::string> replaced_numbers;
  for (int attempt = 0;; ++attempt) {
    FieldCollector collector{replaced_numbers};
    if (Json::sax_parse(text.begin(), text.end(), &collector)) {
      if (!collector.is_object()) {
        return Rejection{RejectionKind::malformed, "not a JSON object"};
      }
      if (collector.duplicate()) {
        return Rejection{RejectionKind::malformed,
                         "duplicate field '" + excerpt(*collector.duplicate(), kKeyExcerpt) + "'"};
      }
      return std::move(collector.fields());
    }
    const auto& overflow = collector.overflow();
    if (!overflow) {
      return Rejection{RejectionKind::malformed,
                       "not JSON: " + excerpt(without_exception_id(collector.parser_message()),
                                              kParserMessageExcerpt)};
    }
    if (attempt == kMaxOverflowingNumbers) {
      return Rejection{RejectionKind::malformed, "not JSON: more than " +
                                                     std::to_string(kMaxOverflowingNumbers) +
                                                     " numbers too large for a double"};
    }
    text.replace(overflow->end - overflow->text.size(), overflow->text.size(), "0");
    replaced_numbers.emplace(overflow->ordinal, overflow->text);
  }
}

}  // namespace cryptometrics::market
