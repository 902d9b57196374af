#pragma once

#include "soak/fleet.h"
#include "soak/journal.h"
#include "soak/schedule.h"
#include "support/postgres_server.h"
#include "support/service.h"
#include "support/small_disk.h"

namespace cryptometrics::soak {

// Does the schedule's faults to the running parts, one at a time: each lasts its duration and
// is undone before inject() returns (an instance stopped is started again, one paused goes on,
// PostgreSQL and the broker are back, the disk has room).
class Faults {
 public:
  Faults(testing::PostgresServer& postgres, testing::KafkaDev& broker,
         const testing::SmallDisk& spool_disk, Fleet& fleet, Journal& journal);

  void inject(const Fault& fault);

 private:
  // The instance the fault is done to.
  ServiceRuns& target(const Fault& fault);
  // Stops the instance as the fault says (SIGKILL, SIGTERM, two) and starts it again.
  void restart(const Fault& fault);
  void stall(const Fault& fault);
  void make_postgres_slow(std::chrono::seconds duration);
  void fill_spool_disk(std::chrono::seconds duration);
  void abuse_http(const Fault& fault);

  testing::PostgresServer& postgres_;
  testing::KafkaDev& broker_;
  const testing::SmallDisk& spool_disk_;
  Fleet& fleet_;
  Journal& journal_;
};

}  // namespace cryptometrics::soak
