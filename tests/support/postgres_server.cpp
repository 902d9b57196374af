#include "support/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "support/process.h"

extern char** environ;

namespace cryptometrics::testing {
namespace {

const std::filesystem::path kBinDirectory = "/usr/lib/postgresql/15/bin";
constexpr const char* kDatabase = "crypto_metrics_test";
constexpr int kPortAttempts = 3;

bool is_root() { return ::geteuid() == 0; }

std::filesystem::path runuser_path() {
  for (const char* candidate : {"/usr/sbin/runuser", "/sbin/runuser"}) {
    if (std::filesystem::exists(candidate)) {
      return candidate;
    }
  }
  throw std::runtime_error("runuser not found: it runs PostgreSQL as `postgres` for root");
}

// `program` of PostgreSQL with `args`, to run as the `postgres` user when this is root.
std::vector<std::string> postgres_command(const std::string& program,
                                          const std::vector<std::string>& args) {
  std::vector<std::string> argv;
  if (is_root()) {
    argv = {runuser_path().string(), "-u", "postgres", "--"};
  }
  argv.push_back((kBinDirectory / program).string());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void give_to_postgres(const std::filesystem::path& directory) {
  const passwd* user = ::getpwnam("postgres");
  if (user == nullptr) {
    throw std::runtime_error(
        "no `postgres` user to run the test server as (PostgreSQL refuses "
        "root): install the postgresql package");
  }
  if (::chown(directory.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::system_error(errno, std::generic_category(), "chown postgres " + directory.string());
  }
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

// Starts `argv` with stdin from `input` (/dev/null when -1) and stdout and stderr into
// `output`; in a session of its own when `own_session`, out of reach of signals to ours.
pid_t spawn(const std::vector<std::string>& argv, int input, const std::filesystem::path& output,
            bool own_session) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (input < 0) {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, input, STDIN_FILENO);
  }
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_session) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
  }
  std::vector<char*> pointers;
  for (const std::string& arg : argv) {
    pointers.push_back(const_cast<char*>(arg.c_str()));
  }
  pointers.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, pointers[0], &actions, &attributes, pointers.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::system_error(spawned, std::generic_category(), "cannot run " + argv[0]);
  }
  return pid;
}

// The exit status of `pid`, 128 + the signal's number when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "waitpid");
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string connection_string_to(std::uint16_t port, std::string_view database) {
  return "host=127.0.0.1 port=" + std::to_string(port) +
         " user=postgres dbname=" + std::string{database};
}

std::string stop_mode_name(PostgresServer::StopMode mode) {
  return mode == PostgresServer::StopMode::immediate ? "immediate" : "fast";
}

}  // namespace

PostgresServer::PostgresServer(Durability durability) : data_{directory_ / "data"} {
  if (is_root()) {
    give_to_postgres(directory_.path());
  }
  start_reaper();
  run("initdb", {"-D", data_.string(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                 "--no-sync"});
  std::ofstream configuration{data_ / "postgresql.conf", std::ios::app};
  configuration << "\nlisten_addresses = '127.0.0.1'\n"
                << "unix_socket_directories = '" << directory_.path().string() << "'\n";
  // A test's cluster needs no durability against power loss, only against a crash of the server
  // (an immediate stop), which the WAL in the page cache covers. synchronous_commit stays on:
  // without it a crash loses commits that were already reported.
  if (durability == Durability::crash_only) {
    configuration << "fsync = off\nfull_page_writes = off\n";
  }
  configuration.close();
  if (!configuration) {
    throw std::runtime_error("PostgreSQL test server: cannot write " +
                             (data_ / "postgresql.conf").string());
  }
  // The superuser the tests connect as needs no password; any other role must give its own, so
  // that a test can see PostgreSQL refuse a wrong one.
  std::ofstream access{data_ / "pg_hba.conf", std::ios::trunc};
  access << "local all all trust\n"
         << "host all postgres 127.0.0.1/32 trust\n"
         << "host all all 127.0.0.1/32 scram-sha-256\n";
  access.close();
  if (!access) {
    throw std::runtime_error("PostgreSQL test server: cannot write " +
                             (data_ / "pg_hba.conf").string());
  }
  for (int attempt = 1;; ++attempt) {
    port_ = free_port();
    try {
      start();
      break;
    } catch (const std::runtime_error&) {
      // Another process may have taken the port between free_port() and the server's bind.
      if (attempt == kPortAttempts || server_log().find("could not bind") == std::string::npos) {
        throw;
      }
    }
  }
  reset_database();
}

PostgresServer::~PostgresServer() {
  ::close(reaper_pipe_);
  wait_for(reaper_pid_);
}

std::string PostgresServer::connection_string() const {
  return connection_string_to(port_, kDatabase);
}

void PostgresServer::stop(StopMode mode) {
  run("pg_ctl", {"stop", "-D", data_.string(), "-m", stop_mode_name(mode), "-w", "-t", "60"});
  running_ = false;
}

void PostgresServer::start() {
  run("pg_ctl", {"start", "-D", data_.string(), "-l", (directory_ / "server.log").string(), "-w",
                 "-t", "60", "-o", "-p " + std::to_string(port_)});
  running_ = true;
}

int PostgresServer::terminate_backends() {
  // OFFSET 0 keeps the planner from merging the filter into the outer query, where it might
  // run pg_terminate_backend before excluding this very session.
  return std::stoi(query_value(
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM ("
      " SELECT pid FROM pg_stat_activity"
      " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() OFFSET 0) others"));
}

void PostgresServer::execute(const std::string& sql) const {
  pqxx::connection connection{connection_string()};
  pqxx::work transaction{connection};
  transaction.exec0(sql);
  transaction.commit();
}

std::vector<std::vector<std::string>> PostgresServer::query(const std::string& sql) const {
  pqxx::connection connection{connection_string()};
  pqxx::nontransaction transaction{connection};
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : transaction.exec(sql)) {
    std::vector<std::string>& fields = rows.emplace_back();
    for (const auto& field : row) {
      fields.emplace_back(field.is_null() ? "" : field.c_str());
    }
  }
  return rows;
}

std::string PostgresServer::query_value(const std::string& sql) const {
  const auto rows = query(sql);
  if (rows.size() != 1 || rows.front().size() != 1) {
    throw std::runtime_error("expected one value from: " + sql);
  }
  return rows.front().front();
}

void PostgresServer::reset_database() {
  pqxx::connection connection{connection_string_to(port_, "postgres")};
  pqxx::nontransaction transaction{connection};
  transaction.exec0(std::string{"DROP DATABASE IF EXISTS "} + kDatabase + " WITH (FORCE)");
  transaction.exec0(std::string{"CREATE DATABASE "} + kDatabase);
}

void PostgresServer::run(const std::string& program, const std::vector<std::string>& args) const {
  const std::filesystem::path output = directory_ / (program + ".out");
  const int status = wait_for(spawn(postgres_command(program, args), -1, output, false));
  if (status != 0) {
    throw std::runtime_error("PostgreSQL test server: " + program + " " + args.front() +
                             " exited with " + std::to_string(status) + ":\n" + read_text(output) +
                             "\nserver log:\n" + server_log());
  }
}

std::string PostgresServer::server_log() const { return read_text(directory_ / "server.log"); }

void PostgresServer::start_reaper() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  // The shell's read returns at end of file, which comes when the last copy of the write end
  // closes: in the destructor, or with this process, however it ends.
  std::vector<std::string> argv{"/bin/sh", "-c", R"(read -r _; "$@"; rm -rf -- "$0")",
                                directory_.path().string()};
  const std::vector<std::string> stop = postgres_command(
      "pg_ctl", {"stop", "-D", data_.string(), "-m", "immediate", "-w", "-t", "60"});
  argv.insert(argv.end(), stop.begin(), stop.end());
  try {
    reaper_pid_ = spawn(argv, ends[0], "/dev/null", true);
  } catch (...) {
    ::close(ends[0]);
    ::close(ends[1]);
    throw;
  }
  ::close(ends[0]);
  reaper_pipe_ = ends[1];
}

}  // namespace cryptometrics::testing
