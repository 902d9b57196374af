#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace cryptometrics::testing {

// A throw-away PostgreSQL 15 server: a fresh cluster in a temporary directory, listening on
// 127.0.0.1 on a free port (its Unix socket in that directory), holding one empty database.
// When the tests run as root, the server runs as the `postgres` user: PostgreSQL refuses root.
class PostgresServer {
 public:
  enum class StopMode {
    fast,       // sessions are ended, a checkpoint is written
    immediate,  // like a crash: the processes quit at once, the next start recovers
  };

  enum class Durability {
    crash_only,  // no fsync: survives a crash of the server, not of the machine; for tests
    full,        // PostgreSQL's defaults, fsync on: for benchmarks, which must pay what
                 // production pays
  };

  // Creates the cluster, starts the server and creates the database. Throws std::runtime_error
  // carrying pg_ctl's output and the server log when it cannot: a test without its server fails.
  explicit PostgresServer(Durability durability = Durability::crash_only);
  // Stops the server (immediate) and removes the directory with everything in it. A helper
  // process does that as soon as this process is gone, so a test killed on a timeout leaves no
  // server running either.
  ~PostgresServer();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A libpq key=value string for the test database over TCP.
  std::string connection_string() const;
  std::uint16_t port() const { return port_; }

  void stop(StopMode mode);
  // Starts the stopped server again on the same data and port; returns once it takes
  // connections (pg_ctl polls for that, within a bound).
  void start();
  bool running() const { return running_; }

  // Replaces the test database with an empty one, ending the sessions connected to it.
  void reset_database();

  // Ends every other client session on the server (pg_terminate_backend) and waits until they
  // are gone; returns how many there were.
  int terminate_backends();

  // Runs one or more SQL statements in the test database.
  void execute(const std::string& sql) const;
  // The rows a query returns, every field as text (NULL as the empty string).
  std::vector<std::vector<std::string>> query(const std::string& sql) const;
  // The one field of a query that returns one row of one column.
  std::string query_value(const std::string& sql) const;

 private:
  // Runs a PostgreSQL program, as the `postgres` user when this is root; throws with its
  // output when it fails.
  void run(const std::string& program, const std::vector<std::string>& args) const;
  std::string server_log() const;
  // Starts the helper that stops the server and removes the directory once `reaper_pipe_`
  // closes: when this is destroyed, or when the process dies.
  void start_reaper();

  TempDir directory_;
  std::filesystem::path data_;
  std::uint16_t port_ = 0;
  bool running_ = false;
  int reaper_pipe_ = -1;
  int reaper_pid_ = -1;
};

}  // namespace cryptometrics::testing
