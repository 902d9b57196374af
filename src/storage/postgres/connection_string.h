#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cryptometrics::storage::postgres {

// One setting of a libpq connection string.
struct ConnectionOption {
  std::string keyword;  // libpq's name: "host", "port", "dbname", "user", "password", "sslmode" ...
  std::string value;
};

// A libpq connection string as libpq itself reads it, in either of its forms: key=value pairs
// ("host=db dbname=metrics") or a URI
// ("postgresql://user:password@db:5432/metrics?sslmode=require"). Everything that reads or writes
// one goes through here, so that what is checked, shown and masked is what libpq connects with.
// Holds the password: log describe(), never text().
//
//   const auto settings = ConnectionSettings::read(text);
//   if (!settings) { ... libpq cannot read it ... }
//   if (const auto problem = settings->problem()) { ... libpq would refuse it on connecting ... }
//   pqxx::connection connection{settings->text()};
class ConnectionSettings {
 public:
  // The settings of `text`, read with libpq's own parser (PQconninfoParse); nullopt when libpq
  // cannot read it. libpq's message is not kept: it quotes the text, which may be the password.
  static std::optional<ConnectionSettings> read(std::string_view text);

  explicit ConnectionSettings(std::vector<ConnectionOption> options);

  // The value `keyword` is set to, or nullptr when it is not set.
  const std::string* find(std::string_view keyword) const;
  // Sets `keyword` to `value` unless it is set already.
  void set_default(std::string_view keyword, std::string_view value);

  // What libpq reads without complaint but refuses when connecting, and that needs no server to
  // tell: a port that is not a number from 1 to 65535, an sslmode it does not know, ... Phrased as
  // what is allowed, naming the keyword and never a value; nullopt when there is nothing.
  std::optional<std::string> problem() const;

  // A key=value string that libpq reads back as exactly these settings.
  std::string text() const;

  // "user@host:port/dbname", where a part not set is what libpq uses instead (its environment
  // variables, then its defaults; "[local]" for the Unix socket). Never the password: safe to log.
  std::string describe() const;

 private:
  std::vector<ConnectionOption> options_;
};

}  // namespace cryptometrics::storage::postgres
