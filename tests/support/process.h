#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cryptometrics::testing {

// A child process with its stdout and stderr captured, for tests that run the real binary.
class Process {
 public:
  // Starts `program` with `args` in `working_directory` (the current one when empty), with the
  // test's environment plus `environment` (an empty value removes the variable).
  Process(const std::filesystem::path& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& environment = {},
          const std::filesystem::path& working_directory = {});
  // Kills the process (SIGKILL) if it still runs.
  ~Process();

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void send_signal(int signal_number);

  // The exit code (128 + signal number when a signal ended it), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  // Waits until stdout or stderr (as chosen) contains `text`; false on timeout or exit.
  bool wait_for_stdout(std::string_view text, std::chrono::milliseconds timeout);
  bool wait_for_stderr(std::string_view text, std::chrono::milliseconds timeout);

  std::string stdout_text() const;
  std::string stderr_text() const;

  // Its resident memory (VmRSS) in KiB, from /proc.
  std::uint64_t resident_kib() const;

 private:
  struct Stream {
    int fd = -1;
    std::string text;
    bool closed = false;
    std::thread reader;
  };
  void read_into(Stream& stream);
  bool wait_for(const Stream& stream, std::string_view text, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Stream stdout_;
  Stream stderr_;
};

// The path of the built crypto-metrics binary (from CRYPTO_METRICS_BINARY, set by meson test).
std::filesystem::path crypto_metrics_binary();

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short free_port();

}  // namespace cryptometrics::testing
