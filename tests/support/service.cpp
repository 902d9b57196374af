#include "support/service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <thread>

namespace cryptometrics::testing {

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr auto kStartTimeout = 30s;

}  // namespace

std::map<std::string, std::string> isolated(const TempDir& directory, unsigned short port,
                                            std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> environment = {
      {"HTTP_PORT", std::to_string(port)},
      {"SQLITE_PATH", (directory / "metrics.db").string()},
      {"SPOOL_PATH", (directory / "spool.db").string()},
      {"KAFKA_BOOTSTRAP_SERVERS", ""},
      {"DB_HOST", ""},
      {"DATABASE_URL", ""},
      {"SIMULATOR", ""},
      {"FEED", ""},
      {"COINBASE_WS_URL", ""},
      {"TLS_CA_FILE", ""},
      {"SIMULATOR_INTERVAL_MS", "20"},
      {"LOG_LEVEL", "info"},
  };
  for (auto& [name, value] : extra) environment[name] = value;
  return environment;
}

Service::Service(const TempDir& directory, std::map<std::string, std::string> environment,
                 std::vector<std::string> args)
    : port_{free_port()},
      process_{crypto_metrics_binary(), args, isolated(directory, port_, std::move(environment)),
               directory.path()} {
  if (!process_.wait_for_stderr("serving http://", kStartTimeout)) {
    ADD_FAILURE() << "the service did not start:\n" << process_.stderr_text();
  }
}

HttpResponse Service::get(std::string_view target, std::string_view method) {
  return http_request(method, "127.0.0.1", port_, target);
}

json Service::wait_for(std::string_view target, const std::function<bool(const json&)>& accept,
                       std::chrono::seconds timeout, bool any_status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto response = get(target);
    last = std::to_string(response.status) + " " + response.body;
    if (response.status == 200 || (any_status && response.status != 0)) {
      auto body = json::parse(response.body);
      if (accept(body)) return body;
    }
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << target << " never answered as expected; last answer: " << last << "\n"
                << process_.stderr_text();
  return {};
}

void Service::wait_for_total(std::int64_t total, std::chrono::seconds timeout) {
  wait_for(
      "/metrics",
      [&](const json& body) {
        std::int64_t sum = 0;
        for (const auto& pair : body["pairs"]) sum += pair["count"].get<std::int64_t>();
        return sum == total;
      },
      timeout);
}

int Service::stop() {
  process_.send_signal(SIGTERM);
  const auto code = process_.wait(60s);
  EXPECT_TRUE(code.has_value()) << "no exit within 60 s after SIGTERM";
  return code.value_or(-1);
}

KafkaDev::KafkaDev(const TempDir& directory, int partitions)
    : process_{crypto_metrics_binary(),
               {"kafka-dev", "--partitions", std::to_string(partitions)},
               isolated(directory, 8080),
               directory.path()} {
  if (!process_.wait_for_stdout("\n", kStartTimeout)) {
    throw std::runtime_error("kafka-dev did not print its address:\n" + process_.stderr_text());
  }
  bootstrap_servers_ = process_.stdout_text().substr(0, process_.stdout_text().find('\n'));
}

void KafkaDev::set_down() { signal_and_wait(SIGUSR1, "down (SIGUSR1)"); }

void KafkaDev::set_up() { signal_and_wait(SIGUSR2, "up again (SIGUSR2)"); }

void KafkaDev::signal_and_wait(int signal_number, std::string_view said) {
  const auto occurrences = [&] {
    const std::string text = process_.stderr_text();
    std::size_t count = 0;
    for (auto at = text.find(said); at != std::string::npos; at = text.find(said, at + 1)) ++count;
    return count;
  };
  const std::size_t before = occurrences();
  process_.send_signal(signal_number);
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (occurrences() == before) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("kafka-dev did not say \"" + std::string{said} + "\":\n" +
                               process_.stderr_text());
    }
    std::this_thread::sleep_for(10ms);
  }
}

KafkaDev::~KafkaDev() {
  process_.send_signal(SIGTERM);
  EXPECT_EQ(process_.wait(30s), 0) << process_.stderr_text();
}

Simulator::Simulator(const TempDir& directory, const std::string& bootstrap_servers, int rate,
                     std::map<std::string, std::string> environment)
    : process_{crypto_metrics_binary(),
               {"simulate", "--rate", std::to_string(rate)},
               [&] {
                 environment["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap_servers;
                 return isolated(directory, 8080, environment);
               }(),
               directory.path()} {}

std::int64_t Simulator::stop() {
  process_.send_signal(SIGTERM);
  EXPECT_EQ(process_.wait(30s), 0) << process_.stderr_text();
  static const std::regex kDelivered{R"((\d+) delivered)"};
  std::smatch match;
  const std::string log = process_.stderr_text();
  EXPECT_TRUE(std::regex_search(log, match, kDelivered)) << log;
  return match.empty() ? 0 : std::stoll(match[1]);
}

}  // namespace cryptometrics::testing
