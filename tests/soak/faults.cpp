#include "soak/faults.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "soak/http_abuse.h"

namespace cryptometrics::soak {
namespace {

constexpr int kAbusiveRequests = 300;
constexpr int kStalledStreams = 5;
constexpr std::size_t kBallastChunk = 1024 * 1024;

}  // namespace

Faults::Faults(testing::PostgresServer& postgres, testing::KafkaDev& broker,
               const testing::SmallDisk& spool_disk, Fleet& fleet, Journal& journal)
    : postgres_{postgres},
      broker_{broker},
      spool_disk_{spool_disk},
      fleet_{fleet},
      journal_{journal} {}

void Faults::inject(const Fault& fault) {
  journal_.say("fault " + std::to_string(fault.number) + ": " + fault.description());
  switch (fault.kind) {
    case FaultKind::kill9:
    case FaultKind::sigterm:
    case FaultKind::double_sigterm:
      restart(fault);
      break;
    case FaultKind::new_window:
      fleet_.restart_with(fault.window);
      break;
    case FaultKind::stall:
      stall(fault);
      break;
    case FaultKind::postgres_stop:
      postgres_.stop(fault.stop_mode);
      fleet_.watch(fault.duration);
      postgres_.start();
      break;
    case FaultKind::postgres_slow:
      make_postgres_slow(fault.duration);
      break;
    case FaultKind::broker_down:
      broker_.set_down();
      fleet_.watch(fault.duration);
      broker_.set_up();
      break;
    case FaultKind::spool_disk_full:
      fill_spool_disk(fault.duration);
      break;
    case FaultKind::http_abuse:
      abuse_http(fault);
      break;
  }
}

ServiceRuns& Faults::target(const Fault& fault) {
  return fleet_.instance(std::max(fault.instance, 0));
}

void Faults::restart(const Fault& fault) {
  ServiceRuns& instance = target(fault);
  if (fault.kind == FaultKind::kill9) {
    instance.kill();
  } else {
    instance.terminate(fault.kind == FaultKind::double_sigterm ? 2 : 1);
  }
  instance.start(instance.window());
}

// Past the session timeout the group gives its partitions to the others while it still holds
// them, unaware, with a batch perhaps in flight: the zombie the fence in PostgreSQL stops.
void Faults::stall(const Fault& fault) {
  ServiceRuns& instance = target(fault);
  instance.pause();
  fleet_.watch(fault.duration);
  instance.resume();
}

// Every write of the service's waits for the lock: a database that answers, only too late.
void Faults::make_postgres_slow(std::chrono::seconds duration) {
  pqxx::connection connection{postgres_.connection_string()};
  pqxx::work transaction{connection};
  transaction.exec0("LOCK TABLE crypto_metrics IN ACCESS EXCLUSIVE MODE");
  fleet_.watch(duration);
  transaction.abort();
}

// With PostgreSQL down every row goes to the spool, which then finds no room at all.
void Faults::fill_spool_disk(std::chrono::seconds duration) {
  postgres_.stop(testing::PostgresServer::StopMode::fast);
  const std::filesystem::path ballast = spool_disk_.path() / "ballast";
  const int file = ::open(ballast.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (file < 0) throw std::system_error(errno, std::generic_category(), "open " + ballast.string());
  const std::vector<char> chunk(kBallastChunk, 'b');
  std::size_t written = 0;
  for (;;) {
    const ssize_t wrote = ::write(file, chunk.data(), chunk.size());
    if (wrote <= 0) break;  // ENOSPC: full
    written += static_cast<std::size_t>(wrote);
  }
  ::close(file);
  journal_.say("spool disk full after " + std::to_string(written / 1024) + " KiB of ballast");
  fleet_.watch(duration);
  std::filesystem::remove(ballast);
  postgres_.start();
}

void Faults::abuse_http(const Fault& fault) {
  const unsigned short port = target(fault).port();
  try {
    const StalledStreams streams{port, kStalledStreams};
    const AbuseOutcome outcome = send_abusive_requests(port, kAbusiveRequests);
    journal_.say(std::to_string(outcome.sent) + " abusive requests, " +
                 std::to_string(outcome.answered) + " answered, " +
                 std::to_string(outcome.server_errors.size()) + " with 500; " +
                 std::to_string(kStalledStreams) + " streams that never read");
    for (const std::string& error : outcome.server_errors) {
      journal_.fail("an abusive request was answered 500: " + error);
    }
    fleet_.watch(fault.duration);
  } catch (const std::exception& error) {
    journal_.fail(std::string{"event streams could not be opened: "} + error.what());
  }
}

}  // namespace cryptometrics::soak
