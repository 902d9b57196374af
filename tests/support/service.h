#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cryptometrics::testing {

// Settings that keep a test away from whatever the machine's environment or a .env holds: the
// stores in `directory`, the embedded broker, no PostgreSQL, then `extra` on top.
std::map<std::string, std::string> isolated(const TempDir& directory, unsigned short port,
                                            std::map<std::string, std::string> extra = {});

// The built binary running the service, on a free HTTP port, in `directory`.
class Service {
 public:
  // Returns once the service serves HTTP; fails the test when it does not within 30 s.
  Service(const TempDir& directory, std::map<std::string, std::string> environment,
          std::vector<std::string> args = {});

  HttpResponse get(std::string_view target, std::string_view method = "GET");

  // Polls until `target` answers with a JSON body that `accept` likes (and 200 unless
  // `any_status`); the service gives no other signal that a quote went through.
  nlohmann::json wait_for(std::string_view target,
                          const std::function<bool(const nlohmann::json&)>& accept,
                          std::chrono::seconds timeout = std::chrono::seconds{30},
                          bool any_status = false);
  // Polls /metrics until the counts of all pairs add up to `total`.
  void wait_for_total(std::int64_t total, std::chrono::seconds timeout);

  // SIGTERM, then the exit code.
  int stop();

  Process& process() { return process_; }
  unsigned short port() const { return port_; }

 private:
  unsigned short port_;
  Process process_;
};

// `crypto-metrics kafka-dev`: a standalone embedded broker.
class KafkaDev {
 public:
  // Its topic with `partitions` partitions (kafka-dev --partitions).
  explicit KafkaDev(const TempDir& directory, int partitions = 3);
  ~KafkaDev();

  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // The broker down (SIGUSR1) or up again (SIGUSR2); each returns once kafka-dev says it did.
  void set_down();
  void set_up();

 private:
  // Sends `signal_number` and waits for one more line holding `said`.
  void signal_and_wait(int signal_number, std::string_view said);

  Process process_;
  std::string bootstrap_servers_;
};

// `crypto-metrics simulate --rate N` against `bootstrap_servers`.
class Simulator {
 public:
  Simulator(const TempDir& directory, const std::string& bootstrap_servers, int rate,
            std::map<std::string, std::string> environment = {});

  // SIGTERM, then how many quotes the broker acknowledged (what the simulator says it delivered).
  std::int64_t stop();

 private:
  Process process_;
};

}  // namespace cryptometrics::testing
