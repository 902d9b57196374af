#include "http/history_route.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "http/path_segment.h"
#include "market/excerpt.h"
#include "metrics/snapshot_json.h"

namespace cryptometrics::http {
namespace {

// Beyond this many digits a limit is capped whatever it reads as, so it needs no parsing.
constexpr std::size_t kLongestParsedLimit = 18;
// What a client sent, shown in an error: printable UTF-8, this many characters at most.
constexpr std::size_t kEchoedCharacters = 40;

std::string echoed(std::string_view sent) {
  return "'" + market::excerpt(sent, kEchoedCharacters) + "'";
}

std::variant<std::size_t, std::string> read_limit(std::string_view text) {
  const std::string refused = "limit must be a whole number from 1 (at most " +
                              std::to_string(kMostHistoryRows) +
                              " rows are answered): " + echoed(text);
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return refused;
  }
  const std::string_view significant =
      text.substr(std::min(text.find_first_not_of('0'), text.size()));
  if (significant.empty()) return refused;
  if (significant.size() > kLongestParsedLimit) return kMostHistoryRows;
  std::uint64_t limit = 0;
  std::from_chars(significant.data(), significant.data() + significant.size(), limit);
  return static_cast<std::size_t>(std::min<std::uint64_t>(limit, kMostHistoryRows));
}

// Fills `query` from "limit=N&since=T"; the problem, if any.
std::optional<std::string> read_parameters(std::string_view parameters, HistoryQuery& query) {
  bool limit_seen = false;
  bool since_seen = false;
  while (!parameters.empty()) {
    const std::size_t end = parameters.find('&');
    const std::string_view parameter = parameters.substr(0, end);
    parameters = end == std::string_view::npos ? std::string_view{} : parameters.substr(end + 1);
    if (parameter.empty()) continue;
    const std::size_t equals = parameter.find('=');
    const auto name = decode_segment(parameter.substr(0, equals));
    if (!name) return "malformed percent-encoding in the query";
    if (*name != "limit" && *name != "since") {
      return "unknown parameter " + echoed(*name) + ": expected limit or since";
    }
    if (equals == std::string_view::npos) return "parameter " + *name + " has no value";
    const auto value = decode_segment(parameter.substr(equals + 1));
    if (!value) return "malformed percent-encoding in the query";
    bool& seen = *name == "limit" ? limit_seen : since_seen;
    if (seen) return "parameter " + *name + " given twice";
    seen = true;
    if (*name == "limit") {
      const auto limit = read_limit(*value);
      if (const auto* problem = std::get_if<std::string>(&limit)) return *problem;
      query.limit = std::get<std::size_t>(limit);
    } else {
      query.since = market::parse_rfc3339(*value);
      if (!query.since) {
        return "since must be an RFC 3339 time (2026-11-24T10:54:05Z): " + echoed(*value);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<HistoryRequest> read_history_request(std::string_view target) {
  const auto path = split_path(target);
  if (!path || path->count != 3) return std::nullopt;
  const auto name = decode_segment(path->first[0]);
  const auto last = decode_segment(path->first[2]);
  if (!name || !last || *name != "metrics" || *last != "history") return std::nullopt;

  auto pair = pair_from_segment(path->first[1]);
  if (const auto* refused = std::get_if<NotAPair>(&pair)) {
    return HistoryRequest{std::string{refused->reason}};
  }
  HistoryQuery query;
  query.pair = std::move(std::get<std::string>(pair));
  if (const std::size_t question = target.find('?'); question != std::string_view::npos) {
    if (auto problem = read_parameters(target.substr(question + 1), query)) {
      return HistoryRequest{std::move(*problem)};
    }
  }
  return HistoryRequest{std::move(query)};
}

std::string history_json(const std::string& pair, const std::vector<storage::QuoteRow>& rows) {
  nlohmann::ordered_json listed = nlohmann::ordered_json::array();
  for (const storage::QuoteRow& row : rows) {
    nlohmann::ordered_json object = metrics::snapshot_json(row.metrics);
    const bool has_source = !row.source.topic.empty();
    object["kafka_topic"] = has_source ? nlohmann::ordered_json(row.source.topic) : nullptr;
    object["kafka_partition"] = has_source ? nlohmann::ordered_json(row.source.partition) : nullptr;
    object["kafka_offset"] = has_source ? nlohmann::ordered_json(row.source.offset) : nullptr;
    listed.push_back(std::move(object));
  }
  const nlohmann::ordered_json body = {{"pair", pair}, {"rows", std::move(listed)}};
  return body.dump();
}

}  // namespace cryptometrics::http
