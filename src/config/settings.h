#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cryptometrics::config {

enum class Command { run, simulate, feed, migrate, kafka_dev };

enum class SimulatorMode { automatic, on, off };  // automatic: on only with the embedded broker

// What produces quotes into the topic inside `run` (FEED).
enum class FeedSource { simulator, coinbase, none };

// A wss:// URL in its parts (COINBASE_WS_URL).
struct WebSocketUrl {
  std::string host;
  std::uint16_t port = 443;
  std::string target = "/";
};

struct PostgresSettings {
  std::string database_url;  // DATABASE_URL; when set it wins over the DB_* parts
  std::string host;          // DB_HOST
  std::uint16_t port = 5432;
  std::string name = "crypto_metrics";
  std::string user = "postgres";
  std::string password;

  // A libpq connection string. Holds the password: never log it, log `describe()` instead.
  std::string connection_string() const;
  // "postgres@localhost:5432/crypto_metrics": safe to log.
  std::string describe() const;
};

struct Settings {
  Command command = Command::run;

  std::string kafka_bootstrap_servers;  // empty: the embedded broker
  std::string kafka_topic = "crypto_prices";
  std::string kafka_group_id = "crypto_price_consumer_group";
  std::optional<std::chrono::milliseconds> kafka_fetch_wait;  // unset: see fetch_wait()
  std::int32_t kafka_partitions = 3;  // of the embedded broker's topic
  std::chrono::milliseconds kafka_session_timeout{10'000};
  std::string instance_id;  // empty: see instance()

  std::optional<PostgresSettings> postgres;  // set by DB_HOST or DATABASE_URL
  std::string sqlite_path = "crypto-metrics.db";
  std::string spool_path = "crypto-metrics-spool.db";

  std::string http_host = "127.0.0.1";
  std::uint16_t http_port = 8080;

  std::vector<std::string> pairs = {"BTC-USD", "ETH-USD", "LTC-USD"};  // canonical
  SimulatorMode simulator = SimulatorMode::automatic;
  std::chrono::milliseconds simulator_interval{1000};
  std::uint32_t simulator_rate = 0;  // quotes per second; 0: one per pair every interval

  std::optional<FeedSource> feed;  // FEED; unset: SIMULATOR decides, see quote_source()
  std::string coinbase_ws_url = "wss://ws-feed.exchange.coinbase.com";
  WebSocketUrl coinbase_endpoint{"ws-feed.exchange.coinbase.com", 443, "/"};
  std::string tls_ca_file;  // empty: the system's CAs

  std::size_t sma_window = 5;
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off

  bool embedded_kafka() const { return kafka_bootstrap_servers.empty(); }
  // How long the broker may hold a fetch that finds no new message. A real broker answers as
  // soon as one arrives, so a long wait costs nothing; the embedded broker always waits it out,
  // so there every millisecond of it is a millisecond of quote-to-HTTP delay.
  std::chrono::milliseconds fetch_wait() const;
  // FEED when set; otherwise SIMULATOR, the older spelling: on is the simulator, off none, and
  // auto the simulator only with the embedded broker.
  FeedSource quote_source() const;
  bool simulator_enabled() const { return quote_source() == FeedSource::simulator; }
  // INSTANCE_ID, or "<host name>-<HTTP_PORT>": instances on one machine listen on different
  // ports, so their default names differ too.
  std::string instance() const;
};

// A bad setting: names the variable (or flag) and says what is wrong. Start-up exits with 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string setting, const std::string& message);
  const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

// What the command line asked for besides settings.
enum class Action { proceed, show_help, show_version };

struct Loaded {
  Action action = Action::proceed;
  Settings settings;
};

// Builds the settings from, in order, later wins: the `.env` file (the one named by --env-file,
// or ./.env when present), then `environment`, then the flags in `args` (argv without argv[0]).
// An empty value unsets what an earlier source set: the default applies.
// Throws ConfigError for an unknown flag, a bad value or an unreadable --env-file.
Loaded load(const std::vector<std::string>& args,
            const std::map<std::string, std::string>& environment);

// The process environment as a map (from `environ`).
std::map<std::string, std::string> process_environment();

// The --help text: commands, flags, and every variable with its default.
std::string help_text();

}  // namespace cryptometrics::config
