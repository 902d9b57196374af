#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace cryptometrics::testing {
namespace {

// How long wait() gives the pipes to reach end of file once the process has exited.
constexpr std::chrono::seconds kOutputAfterExit{5};

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text{*entry};
    const auto equals = text.find('=');
    if (equals != std::string_view::npos) {
      merged[std::string{text.substr(0, equals)}] = std::string{text.substr(equals + 1)};
    }
  }
  for (const auto& [name, value] : changes) {
    if (value.empty()) {
      merged.erase(name);
    } else {
      merged[name] = value;
    }
  }
  std::vector<std::string> result;
  for (const auto& [name, value] : merged) result.push_back(name + "=" + value);
  return result;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& text : strings) result.push_back(text.data());
  result.push_back(nullptr);
  return result;
}

}  // namespace

Process::Process(const std::filesystem::path& program, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& environment,
                 const std::filesystem::path& working_directory) {
  std::array<int, 2> out{};
  std::array<int, 2> err{};
  if (::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe");
  }
  std::vector<std::string> argv_strings{program.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env_strings = merged_environment(environment);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);

  pid_ = ::fork();
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    if (!working_directory.empty() && ::chdir(working_directory.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ < 0) throw std::system_error(errno, std::generic_category(), "pidfd_open");
  stdout_.fd = out[0];
  stderr_.fd = err[0];
  stdout_.reader = std::thread{[this] { read_into(stdout_); }};
  stderr_.reader = std::thread{[this] { read_into(stderr_); }};
}

Process::~Process() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds{30});
  }
  stdout_.reader.join();
  stderr_.reader.join();
  ::close(stdout_.fd);
  ::close(stderr_.fd);
  ::close(pidfd_);
}

void Process::read_into(Stream& stream) {
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t got = ::read(stream.fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    std::lock_guard lock{mutex_};
    if (got <= 0) {
      stream.closed = true;
      changed_.notify_all();
      return;
    }
    stream.text.append(buffer.data(), static_cast<std::size_t>(got));
    changed_.notify_all();
  }
}

void Process::send_signal(int signal_number) {
  if (!exit_code_) ::kill(pid_, signal_number);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  pollfd ready{.fd = pidfd_, .events = POLLIN, .revents = 0};
  const int polled = ::poll(&ready, 1, static_cast<int>(timeout.count()));
  if (polled <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) {
    throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // What the process wrote just before it exited may still be in the pipes: the reader threads
  // take it in until end of file, unless a process it left behind holds the pipes open.
  std::unique_lock lock{mutex_};
  changed_.wait_for(lock, kOutputAfterExit, [this] { return stdout_.closed && stderr_.closed; });
  return exit_code_;
}

bool Process::wait_for(const Stream& stream, std::string_view text,
                       std::chrono::milliseconds timeout) {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, timeout, [&] {
    return stream.text.find(text) != std::string::npos || stream.closed;
  }) && stream.text.find(text) != std::string::npos;
}

bool Process::wait_for_stdout(std::string_view text, std::chrono::milliseconds timeout) {
  return wait_for(stdout_, text, timeout);
}

bool Process::wait_for_stderr(std::string_view text, std::chrono::milliseconds timeout) {
  return wait_for(stderr_, text, timeout);
}

std::string Process::stdout_text() const {
  std::lock_guard lock{mutex_};
  return stdout_.text;
}

std::string Process::stderr_text() const {
  std::lock_guard lock{mutex_};
  return stderr_.text;
}

std::uint64_t Process::resident_kib() const {
  const std::string path = "/proc/" + std::to_string(pid_) + "/status";
  std::ifstream status{path};
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(line.find(':') + 1));
  }
  throw std::runtime_error("no VmRSS in " + path);
}

std::filesystem::path crypto_metrics_binary() {
  const char* path = std::getenv("CRYPTO_METRICS_BINARY");
  if (path == nullptr || *path == '\0') {
    throw std::runtime_error("CRYPTO_METRICS_BINARY is not set: run the tests with meson test");
  }
  return path;
}

unsigned short free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{
      io, boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), 0}};
  return acceptor.local_endpoint().port();
}

}  // namespace cryptometrics::testing
