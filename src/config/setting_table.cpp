#include "config/setting_table.h"

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "market/pair.h"
#include "metrics/pair_metrics.h"
#include "storage/postgres/connection_string.h"

namespace cryptometrics::config {
namespace {

// SMA_WINDOW's bound is where the window's exact sum is kept (pair_metrics.h); its help names it.
static_assert(metrics::kMaxSmaWindow == 10'000, "SMA_WINDOW's help text says 10000");

std::string lower_case(std::string_view text) {
  std::string lowered(text);
  std::ranges::transform(lowered, lowered.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (auto at = text.find(separator); at != std::string_view::npos;
       at = text.find(separator, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// Digits only, optionally negative, nothing before or after: "8080 " and "0x50" are refused.
std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

template <typename Integer>
Problem apply_integer(std::string_view text, std::int64_t min, std::int64_t max, Integer& target) {
  const auto value = parse_integer(text);
  if (!value || *value < min || *value > max) {
    return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  }
  target = static_cast<Integer>(*value);
  return std::nullopt;
}

template <std::int64_t min, std::int64_t max, auto part, auto field>
Problem assign_integer(std::string_view text, Draft& draft) {
  return apply_integer(text, min, max, (draft.*part).*field);
}

// Whole milliseconds, into a duration or an optional one.
template <std::int64_t min, std::int64_t max, auto part, auto field>
Problem assign_milliseconds(std::string_view text, Draft& draft) {
  std::int64_t milliseconds = 0;
  if (auto problem = apply_integer(text, min, max, milliseconds)) {
    return problem;
  }
  (draft.*part).*field = std::chrono::milliseconds(milliseconds);
  return std::nullopt;
}

// Text settings take any value; an empty one never gets here, it means the default.
template <auto part, auto field>
Problem assign_text(std::string_view text, Draft& draft) {
  (draft.*part).*field = text;
  return std::nullopt;
}

bool is_port(std::string_view text) {
  const auto value = parse_integer(text);
  return value && *value >= 1 && *value <= 65535;
}

bool is_host_name(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

bool is_ipv6_literal(std::string_view text) {
  boost::system::error_code error;
  boost::asio::ip::make_address_v6(std::string(text), error);
  return !error;
}

// "host:port" or "[ipv6]:port".
bool is_broker_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || !is_port(text.substr(colon + 1))) {
    return false;
  }
  const auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return is_ipv6_literal(host.substr(1, host.size() - 2));
  }
  return is_host_name(host);
}

Problem apply_bootstrap_servers(std::string_view text, Draft& draft) {
  std::string servers;
  for (const auto entry : split(text, ',')) {
    const auto server = trim(entry);
    if (!is_broker_address(server)) {
      return "must be host:port[,host:port...] such as localhost:9092 or kafka1:9092,kafka2:9092";
    }
    servers += (servers.empty() ? "" : ",") + std::string(server);
  }
  draft.settings.kafka_bootstrap_servers = servers;
  return std::nullopt;
}

// Kafka's own rule for topic names.
Problem apply_topic(std::string_view text, Draft& draft) {
  const bool allowed_characters = std::ranges::all_of(
      text, [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
  if (text.empty() || !allowed_characters || text.size() > 249 || text == "." || text == "..") {
    return "must be 1 to 249 characters of A-Z a-z 0-9 . _ - (and not \".\" or \"..\")";
  }
  draft.settings.kafka_topic = text;
  return std::nullopt;
}

// Kafka's rule for a group.instance.id; PostgreSQL stores it as text.
Problem apply_instance_id(std::string_view text, Draft& draft) {
  const bool allowed_characters = std::ranges::all_of(
      text, [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
  if (!allowed_characters || text.size() > 249) {
    return "must be 1 to 249 characters of A-Z a-z 0-9 . _ -";
  }
  draft.settings.instance_id = text;
  return std::nullopt;
}

// Read by libpq itself, so that what passes here is what the service connects with. Neither
// libpq's message nor the value is repeated: either may hold the password.
Problem apply_database_url(std::string_view text, Draft& draft) {
  const auto settings = storage::postgres::ConnectionSettings::read(text);
  if (!settings) {
    return "must be a postgresql:// (or postgres://) URL such as "
           "postgresql://user:password@host:5432/dbname, or libpq key=value pairs such as "
           "\"host=db dbname=metrics\"; libpq cannot read this one";
  }
  if (auto problem = settings->problem()) {
    return "is a connection string that libpq would refuse on connecting: its " + *problem;
  }
  draft.postgres.database_url = text;
  return std::nullopt;
}

Problem apply_http_host(std::string_view text, Draft& draft) {
  if (lower_case(text) == "localhost") {
    draft.settings.http_host = "127.0.0.1";
    return std::nullopt;
  }
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(text), error);
  if (error) {
    return "must be an IP address such as 127.0.0.1, 0.0.0.0 or ::1, or localhost";
  }
  draft.settings.http_host = address.to_string();
  return std::nullopt;
}

Problem apply_pairs(std::string_view text, Draft& draft) {
  std::vector<std::string> pairs;
  for (const auto entry : split(text, ',')) {
    const auto candidate = trim(entry);
    if (candidate.empty()) {
      return "must be comma-separated pairs without empty entries, such as BTC-USD,ETH-USD";
    }
    const auto pair = market::normalize_pair(candidate);
    if (!pair) {
      return "must be comma-separated BASE-QUOTE pairs of 2 to 12 letters or digits each, such as "
             "BTC-USD,ETH-USD; \"" +
             std::string(candidate) + "\" is not one";
    }
    if (std::ranges::find(pairs, *pair) != pairs.end()) {
      return "must list each pair once; " + *pair + " appears twice";
    }
    pairs.push_back(*pair);
  }
  draft.settings.pairs = std::move(pairs);
  return std::nullopt;
}

Problem apply_simulator(std::string_view text, Draft& draft) {
  const auto word = lower_case(text);
  if (word == "on" || word == "true" || word == "1" || word == "yes") {
    draft.settings.simulator = SimulatorMode::on;
  } else if (word == "off" || word == "false" || word == "0" || word == "no") {
    draft.settings.simulator = SimulatorMode::off;
  } else if (word == "auto") {
    draft.settings.simulator = SimulatorMode::automatic;
  } else {
    return "must be on, off or auto (or true/false, 1/0, yes/no)";
  }
  return std::nullopt;
}

Problem apply_feed(std::string_view text, Draft& draft) {
  const auto word = lower_case(text);
  if (word == "simulator") {
    draft.settings.feed = FeedSource::simulator;
  } else if (word == "coinbase") {
    draft.settings.feed = FeedSource::coinbase;
  } else if (word == "none") {
    draft.settings.feed = FeedSource::none;
  } else {
    return "must be simulator, coinbase or none";
  }
  return std::nullopt;
}

// wss://host[:port][/path]: TLS always, as the feed verifies the server it talks to.
Problem apply_coinbase_ws_url(std::string_view text, Draft& draft) {
  constexpr std::string_view scheme = "wss://";
  const Problem refused =
      "must be a wss:// URL such as wss://ws-feed.exchange.coinbase.com or wss://host:port/path";
  if (!lower_case(text).starts_with(scheme)) return refused;
  const auto rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  WebSocketUrl url;
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  const bool has_port = colon != std::string_view::npos && authority.back() != ']';
  const auto host = has_port ? authority.substr(0, colon) : authority;
  if (has_port) {
    if (!is_port(authority.substr(colon + 1))) return refused;
    url.port = static_cast<std::uint16_t>(*parse_integer(authority.substr(colon + 1)));
  }
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed ? !is_ipv6_literal(host.substr(1, host.size() - 2)) : !is_host_name(host)) {
    return refused;
  }
  url.host = bracketed ? host.substr(1, host.size() - 2) : host;
  draft.settings.coinbase_ws_url = text;
  draft.settings.coinbase_endpoint = std::move(url);
  return std::nullopt;
}

// Checked here so that a wrong path stops start-up with its name, not the feed's first attempt.
Problem apply_tls_ca_file(std::string_view text, Draft& draft) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(std::filesystem::path(text), error)) {
    return "must be a file of PEM CA certificates; there is no such file";
  }
  draft.settings.tls_ca_file = text;
  return std::nullopt;
}

Problem apply_log_level(std::string_view text, Draft& draft) {
  static constexpr std::array<std::string_view, 7> levels = {"trace", "debug",    "info", "warn",
                                                             "error", "critical", "off"};
  const auto level = lower_case(text);
  if (std::ranges::find(levels, level) == levels.end()) {
    return "must be one of trace, debug, info, warn, error, critical, off";
  }
  draft.settings.log_level = level;
  return std::nullopt;
}

constexpr std::array settings_table = {
    SettingSpec{"KAFKA_BOOTSTRAP_SERVERS", "--kafka-bootstrap-servers", "", SettingGroup::kafka,
                "Kafka brokers as host:port[,host:port...]. Unset: an embedded in-memory broker, "
                "which keeps about 5 MiB per partition and drops the oldest messages beyond that",
                false, apply_bootstrap_servers},
    SettingSpec{"KAFKA_TOPIC", "--kafka-topic", "crypto_prices", SettingGroup::kafka,
                "Topic the quotes are consumed from and the simulator produces to", false,
                apply_topic},
    SettingSpec{"KAFKA_GROUP_ID", "--kafka-group-id", "crypto_price_consumer_group",
                SettingGroup::kafka, "Kafka consumer group", false,
                assign_text<&Draft::settings, &Settings::kafka_group_id>},
    SettingSpec{"INSTANCE_ID", "--instance-id", "", SettingGroup::kafka,
                "This instance's name in the consumer group (Kafka's static membership: a "
                "restarted instance takes its partitions back at once) and in PostgreSQL, where "
                "it claims its partitions. Each instance needs its own: a second one started "
                "under a name in use with the same PostgreSQL stops with code 2. Unset: "
                "<host name>-<HTTP_PORT>",
                false, apply_instance_id},
    SettingSpec{"KAFKA_SESSION_TIMEOUT_MS", "--kafka-session-timeout-ms", "10000",
                SettingGroup::kafka,
                "Milliseconds after which the group gives the partitions of an instance that "
                "stopped answering (killed, paused) to the others, from 1000 to 3600000; brokers "
                "accept 6000 to 1800000 unless configured otherwise",
                false,
                assign_milliseconds<1'000, 3'600'000, &Draft::settings,
                                    &Settings::kafka_session_timeout>},
    SettingSpec{"KAFKA_FETCH_WAIT_MS", "--kafka-fetch-wait-ms", "", SettingGroup::kafka,
                "Milliseconds the broker may hold a fetch that finds no new quote, from 1 to "
                "10000. Unset: 1 with the embedded broker, which always waits that long, so it "
                "adds to the quote-to-HTTP delay; 100 with a real cluster, which answers as soon "
                "as a quote arrives",
                false,
                assign_milliseconds<1, 10'000, &Draft::settings, &Settings::kafka_fetch_wait>},
    SettingSpec{"KAFKA_PARTITIONS", "--partitions", "3", SettingGroup::kafka,
                "Partitions of the topic the embedded broker makes (kafka-dev, and run without "
                "KAFKA_BOOTSTRAP_SERVERS), from 1 to 256; a real cluster's topic keeps its own",
                false,
                assign_integer<1, 256, &Draft::settings, &Settings::kafka_partitions>},
    SettingSpec{"DB_HOST", "--db-host", "", SettingGroup::storage,
                "PostgreSQL host. Set (or DATABASE_URL set): store in PostgreSQL, spooling to "
                "SPOOL_PATH while it is down. Unset: store in SQLITE_PATH alone",
                false, assign_text<&Draft::postgres, &PostgresSettings::host>},
    SettingSpec{"DB_PORT", "--db-port", "5432", SettingGroup::storage, "PostgreSQL port", false,
                assign_integer<1, 65535, &Draft::postgres, &PostgresSettings::port>},
    SettingSpec{"DB_NAME", "--db-name", "crypto_metrics", SettingGroup::storage,
                "PostgreSQL database name", false,
                assign_text<&Draft::postgres, &PostgresSettings::name>},
    SettingSpec{"DB_USER", "--db-user", "postgres", SettingGroup::storage, "PostgreSQL user", false,
                assign_text<&Draft::postgres, &PostgresSettings::user>},
    SettingSpec{"DB_PASSWORD", "--db-password", "", SettingGroup::storage,
                "PostgreSQL password; never logged", true,
                assign_text<&Draft::postgres, &PostgresSettings::password>},
    SettingSpec{"DATABASE_URL", "--database-url", "", SettingGroup::storage,
                "PostgreSQL as postgresql://user:password@host:port/dbname or a libpq key=value "
                "string, read as libpq reads it; wins over the DB_* settings; logged as "
                "user@host:port/dbname, never with its password",
                true, apply_database_url},
    SettingSpec{"SQLITE_PATH", "--sqlite-path", "crypto-metrics.db", SettingGroup::storage,
                "SQLite database file, the store when PostgreSQL is not configured", false,
                assign_text<&Draft::settings, &Settings::sqlite_path>},
    SettingSpec{"SPOOL_PATH", "--spool-path", "crypto-metrics-spool.db", SettingGroup::storage,
                "SQLite file holding rows while PostgreSQL is unreachable", false,
                assign_text<&Draft::settings, &Settings::spool_path>},
    SettingSpec{"HTTP_HOST", "--http-host", "127.0.0.1", SettingGroup::http,
                "Address the HTTP server listens on: an IP address, or localhost", false,
                apply_http_host},
    SettingSpec{"HTTP_PORT", "--http-port", "8080", SettingGroup::http,
                "Port the HTTP server listens on: the dashboard at /, metrics at /metrics/{pair}, "
                "events at /stream (README: every route)",
                false,
                assign_integer<1, 65535, &Draft::settings, &Settings::http_port>},
    SettingSpec{"PAIRS", "--pairs", "BTC-USD,ETH-USD,LTC-USD", SettingGroup::simulator,
                "Trading pairs the simulator quotes and the Coinbase feed subscribes to (as "
                "product ids), comma-separated BASE-QUOTE",
                false, apply_pairs},
    SettingSpec{"SIMULATOR", "--simulator", "auto", SettingGroup::simulator,
                "on, off or auto (also true/false, 1/0, yes/no). auto: on only with the embedded "
                "broker. The older spelling of FEED, which wins when set: on is FEED=simulator, "
                "off FEED=none",
                false, apply_simulator},
    SettingSpec{"SIMULATOR_INTERVAL_MS", "--simulator-interval-ms", "1000", SettingGroup::simulator,
                "Milliseconds between two quotes of a pair, from 1 to 3600000", false,
                assign_milliseconds<1, 3'600'000, &Draft::settings, &Settings::simulator_interval>},
    SettingSpec{"SIMULATOR_RATE", "--rate", "0", SettingGroup::simulator,
                "Quotes per second over all pairs, up to 1000000; 0: one quote per pair every "
                "SIMULATOR_INTERVAL_MS",
                false, assign_integer<0, 1'000'000, &Draft::settings, &Settings::simulator_rate>},
    SettingSpec{"FEED", "--feed", "", SettingGroup::feed,
                "What produces quotes into the topic in run: simulator, coinbase (the Coinbase "
                "Exchange ticker feed of PAIRS) or none (other producers feed it). Unset: as "
                "SIMULATOR says",
                false, apply_feed},
    SettingSpec{"COINBASE_WS_URL", "--coinbase-ws-url", "wss://ws-feed.exchange.coinbase.com",
                SettingGroup::feed,
                "The Coinbase Exchange websocket feed (FEED=coinbase and the feed command), over "
                "TLS with the server's certificate and name verified",
                false, apply_coinbase_ws_url},
    SettingSpec{"TLS_CA_FILE", "--tls-ca-file", "", SettingGroup::feed,
                "PEM file of the CA certificates the feed's server must be signed by. Unset: the "
                "system's CAs",
                false, apply_tls_ca_file},
    SettingSpec{"SMA_WINDOW", "--sma-window", "5", SettingGroup::metrics,
                "Number of mid prices in the moving average, from 1 to 10000", false,
                assign_integer<1, metrics::kMaxSmaWindow, &Draft::settings, &Settings::sma_window>},
    SettingSpec{"LOG_LEVEL", "--log-level", "info", SettingGroup::logging,
                "trace, debug, info, warn, error, critical or off", false, apply_log_level},
};

}  // namespace

std::span<const SettingSpec> setting_table() { return settings_table; }

const SettingSpec* find_setting_by_variable(std::string_view variable) {
  const auto found = std::ranges::find(settings_table, variable, &SettingSpec::variable);
  return found == settings_table.end() ? nullptr : &*found;
}

const SettingSpec* find_setting_by_flag(std::string_view flag) {
  const auto found = std::ranges::find(settings_table, flag, &SettingSpec::flag);
  return found == settings_table.end() ? nullptr : &*found;
}

std::string_view group_title(SettingGroup group) {
  switch (group) {
    case SettingGroup::kafka:
      return "Kafka";
    case SettingGroup::storage:
      return "Storage";
    case SettingGroup::http:
      return "HTTP";
    case SettingGroup::simulator:
      return "Simulator";
    case SettingGroup::feed:
      return "Live feed";
    case SettingGroup::metrics:
      return "Metrics";
    case SettingGroup::logging:
      return "Logging";
  }
  return {};
}

}  // namespace cryptometrics::config
