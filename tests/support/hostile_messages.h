#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cryptometrics::testing {

// `fields` made a JSON object as they are: "{" + fields + "}", so that a test can write fields
// that no JSON library would (duplicates, invalid UTF-8, NaN).
std::string with_fields(std::string_view fields);

// Messages the service must reject, each with a reason, without crashing or stalling: invalid
// UTF-8, deep nesting, 400-digit numbers, NaN and Infinity, zero and negative prices, ask below
// bid, duplicate keys, wrong types, empty and truncated messages, null bytes, SQL and HTML as the
// pair. None is over 41 KB.
std::vector<std::string> hostile_messages();

// Two rejected messages of about `bytes` each (at least 200): a huge pair, and a huge ask beside
// valid fields.
std::vector<std::string> large_messages(std::size_t bytes);

}  // namespace cryptometrics::testing
