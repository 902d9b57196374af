#include "soak/service_runs.h"

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "support/http_client.h"
#include "support/service.h"

namespace cryptometrics::soak {
namespace {

using namespace std::chrono_literals;

// What a sanitizer, std::terminate or glibc's allocator print when the process is broken.
constexpr std::array<std::string_view, 5> kBrokenProcessSigns = {
    "AddressSanitizer", "runtime error:", "terminate called", "free(): ", "malloc"};
// The sanitized build is several times slower and keeps freed memory in quarantine.
constexpr std::uint64_t kResidentBoundKib = 256 * 1024;
constexpr std::uint64_t kSanitizedResidentBoundKib = 1536 * 1024;
constexpr auto kStartTimeout = 60s;
constexpr auto kSanitizedStartTimeout = 180s;
constexpr auto kExitTimeout = 60s;
constexpr auto kSampleInterval = 1s;
constexpr char kLostUpstream[] = "crypto_metrics_kafka_lost_upstream_total ";

// The value of the lost-upstream counter in a /prometheus answer, if there.
std::optional<std::uint64_t> lost_upstream_in(const std::string& text) {
  const auto at = text.find(std::string{"\n"} + kLostUpstream);
  if (at == std::string::npos) return std::nullopt;
  return static_cast<std::uint64_t>(std::stod(text.substr(at + 1 + std::strlen(kLostUpstream))));
}

}  // namespace

ServiceRuns::ServiceRuns(std::string name, const testing::TempDir& directory,
                         std::map<std::string, std::string> environment, bool sanitized,
                         std::filesystem::path log_directory, Journal& journal)
    : name_{std::move(name)},
      directory_{directory},
      environment_{std::move(environment)},
      sanitized_{sanitized},
      log_directory_{std::move(log_directory)},
      journal_{journal},
      port_{testing::free_port()},
      resident_bound_kib_{sanitized ? kSanitizedResidentBoundKib : kResidentBoundKib},
      sampler_{[this] { sample(); }} {
  // Halt at the first finding, so that the soak sees the process end; leaks are not what it
  // looks for (librdkafka keeps some global allocations to the end).
  environment_["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1";
  environment_["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1";
}

ServiceRuns::~ServiceRuns() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  stop_sampling_.notify_all();
  sampler_.join();
}

void ServiceRuns::start(std::size_t window) {
  auto environment = testing::isolated(directory_, port_, environment_);
  environment["SMA_WINDOW"] = std::to_string(window);
  auto process = std::make_unique<testing::Process>(
      testing::crypto_metrics_binary(), std::vector<std::string>{}, environment, directory_.path());
  testing::Process& started = *process;
  {
    std::lock_guard lock{mutex_};
    running_ = std::move(process);
    lost_upstream_.push_back(0);
  }
  window_ = window;
  ++runs_;
  if (!started.wait_for_stderr("serving http://",
                               sanitized_ ? kSanitizedStartTimeout : kStartTimeout)) {
    finish(-1, "failed to start");
    throw std::runtime_error(name_ + " run " + std::to_string(runs_) +
                             " did not start (see its log)");
  }
}

void ServiceRuns::kill() {
  running_->send_signal(SIGKILL);
  finish(128 + SIGKILL, "killed");
}

void ServiceRuns::terminate(int signals) {
  for (int sent = 0; sent < signals; ++sent) {
    // The gap between two signals is the fault itself.
    if (sent > 0) std::this_thread::sleep_for(10ms);
    running_->send_signal(SIGTERM);
  }
  finish(0, "stopped");
}

void ServiceRuns::check() {
  if (!running_->wait(0ms)) return;
  finish(-1, "died unasked");
  start(window_);
}

void ServiceRuns::pause() {
  std::lock_guard lock{asking_};
  paused_ = true;
  running_->send_signal(SIGSTOP);
}

void ServiceRuns::resume() {
  std::lock_guard lock{asking_};
  running_->send_signal(SIGCONT);
  paused_ = false;
}

std::optional<testing::HttpResponse> ServiceRuns::ask(std::string_view target) const {
  std::lock_guard lock{asking_};
  if (paused_) return std::nullopt;
  try {
    return testing::http_request("GET", "127.0.0.1", port_, target);
  } catch (const std::exception&) {
    return std::nullopt;  // not serving: killed, starting or stopping
  }
}

std::optional<nlohmann::json> ServiceRuns::readiness() const {
  const auto response = ask("/readyz");
  if (!response || response->status != 200) return std::nullopt;
  return nlohmann::json::parse(response->body);
}

void ServiceRuns::finish(int expected, std::string_view how) {
  const std::string run = name_ + " run " + std::to_string(runs_);
  std::optional<int> code = running_->wait(kExitTimeout);
  if (!code) {
    journal_.fail(run + " " + std::string{how} + ": still running " +
                  std::to_string(kExitTimeout.count()) + " s later; killed");
    running_->send_signal(SIGKILL);
    code = running_->wait(kExitTimeout);
  }
  const std::string stderr_text = running_->stderr_text();
  if (code != expected) {
    journal_.fail(
        run + " " + std::string{how} + ": exit code " + (code ? std::to_string(*code) : "none") +
        (expected >= 0 ? ", expected " + std::to_string(expected) : "") +
        "; last lines of its log:\n" +
        stderr_text.substr(stderr_text.size() - std::min<std::size_t>(stderr_text.size(), 3000)));
  }
  for (const std::string_view sign : kBrokenProcessSigns) {
    if (const auto at = stderr_text.find(sign); at != std::string::npos) {
      journal_.fail(run + " printed \"" + std::string{sign} +
                    "\": " + stderr_text.substr(at > 200 ? at - 200 : 0, 2000));
    }
  }
  if (!log_directory_.empty()) {
    std::ofstream{log_directory_ / (name_ + "-" + std::to_string(runs_) + ".log")} << stderr_text;
  }
  std::unique_ptr<testing::Process> ended;
  {
    std::lock_guard lock{mutex_};
    ended = std::move(running_);
  }
}

std::uint64_t ServiceRuns::peak_resident_kib() const {
  std::lock_guard lock{mutex_};
  return peak_resident_kib_;
}

std::uint64_t ServiceRuns::lost_upstream() const {
  std::lock_guard lock{mutex_};
  return std::accumulate(lost_upstream_.begin(), lost_upstream_.end(), std::uint64_t{0});
}

void ServiceRuns::sample() {
  std::unique_lock lock{mutex_};
  while (!stop_sampling_.wait_for(lock, kSampleInterval, [this] { return stopping_; })) {
    if (!running_) continue;
    try {
      const std::uint64_t resident = running_->resident_kib();
      peak_resident_kib_ = std::max(peak_resident_kib_, resident);
      if (resident > resident_bound_kib_ && !over_bound_reported_) {
        over_bound_reported_ = true;
        journal_.fail("service resident memory " + std::to_string(resident / 1024) +
                      " MiB, above the bound of " + std::to_string(resident_bound_kib_ / 1024) +
                      " MiB");
      }
    } catch (const std::exception&) {
      // The process ended between two samples; the soak's thread will see to it.
    }
    const std::size_t run = lost_upstream_.size() - 1;
    lock.unlock();
    // Not answered (paused, starting, stopping): the next sample will do.
    const auto answer = ask("/prometheus");
    const auto lost = answer ? lost_upstream_in(answer->body) : std::nullopt;
    lock.lock();
    // Only when the answer came from the run asked: another may have started meanwhile.
    if (lost && run + 1 == lost_upstream_.size()) {
      lost_upstream_[run] = std::max(lost_upstream_[run], *lost);
    }
  }
}

}  // namespace cryptometrics::soak
