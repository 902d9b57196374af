#include "support/browser.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "support/process.h"
#include "support/temp_dir.h"

namespace cryptometrics::testing {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using net::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::filesystem::path kChromium = "/usr/bin/chromium";
// Runs Chromium with a parent-death signal, so that a test process killed by a timeout does
// not leave a browser behind.
const std::filesystem::path kSetpriv = "/usr/bin/setpriv";

constexpr auto kStartTimeout = 30s;
constexpr auto kReplyTimeout = 30s;
constexpr auto kStopTimeout = 5s;
constexpr auto kPollInterval = 100ms;
// A whole-page screenshot at a phone's scale comes as tens of MB of base64 in one message.
constexpr std::size_t kMessageMax = 512 * 1024 * 1024;
constexpr std::size_t kStderrTail = 3000;

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  return std::max(0ms,
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

// Where Chromium's DevTools WebSocket listens, as its "DevTools listening on ws://…" line says.
struct DevToolsAddress {
  std::string host;
  unsigned short port = 0;
  std::string target;  // /devtools/browser/<id>

  std::string host_and_port() const { return host + ":" + std::to_string(port); }
};

// `text` is what follows "ws://": "127.0.0.1:PORT/devtools/browser/ID".
DevToolsAddress parse_devtools_address(std::string_view text) {
  const auto colon = text.find(':');
  const auto slash = text.find('/', colon);
  if (colon == std::string_view::npos || slash == std::string_view::npos) {
    throw std::runtime_error("chromium printed an unexpected DevTools address: " +
                             std::string{text});
  }
  return {std::string{text.substr(0, colon)},
          static_cast<unsigned short>(
              std::stoi(std::string{text.substr(colon + 1, slash - colon - 1)})),
          std::string{text.substr(slash)}};
}

std::string stderr_tail(const Process& chromium) {
  const std::string text = chromium.stderr_text();
  return text.size() > kStderrTail ? "…" + text.substr(text.size() - kStderrTail) : text;
}

DevToolsAddress await_devtools_address(Process& chromium, Clock::time_point deadline) {
  constexpr std::string_view kListening = "DevTools listening on ws://";
  if (!chromium.wait_for_stderr(kListening, remaining(deadline))) {
    const auto exit_code = chromium.wait(0ms);
    const std::string what =
        exit_code ? "chromium exited with " + std::to_string(*exit_code) + " before it opened "
                  : "chromium did not open within " + std::to_string(kStartTimeout.count()) + " s ";
    throw std::runtime_error(what + "its DevTools port; the end of its stderr:\n" +
                             stderr_tail(chromium));
  }
  for (;;) {
    const std::string text = chromium.stderr_text();
    const auto start = text.find(kListening) + kListening.size();
    const auto end = text.find('\n', start);
    if (end != std::string::npos) return parse_devtools_address({&text[start], end - start});
    if (Clock::now() >= deadline) {
      throw std::runtime_error("chromium's DevTools line never ended: " + text.substr(start));
    }
    // The line arrived split over two reads of the pipe: its end is a moment behind, and the
    // Process gives no way to wait for an end of line.
    std::this_thread::sleep_for(10ms);
  }
}

std::vector<std::string> chromium_arguments(const TempDir& profile) {
  return {"--pdeathsig",
          "KILL",
          "--",
          kChromium.string(),
          "--headless=new",
          "--no-sandbox",  // the tests run as root, which Chromium's sandbox refuses
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--no-first-run",
          "--no-default-browser-check",
          "--hide-scrollbars",
          "--mute-audio",
          "--remote-debugging-port=0",
          "--user-data-dir=" + profile.path().string(),
          "about:blank"};
}

Process start_chromium(const TempDir& profile) {
  for (const auto& program : {kChromium, kSetpriv}) {
    if (::access(program.c_str(), X_OK) != 0) {
      throw std::runtime_error(program.string() +
                               " is missing: the browser tests need it, install it with "
                               "scripts/install-deps test");
    }
  }
  return Process{kSetpriv, chromium_arguments(profile)};
}

// The processes descended from `root`, from the parent of each in /proc.
std::vector<pid_t> descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  std::error_code error;
  for (std::filesystem::directory_iterator entry{"/proc", error}, end; !error && entry != end;
       entry.increment(error)) {
    const std::string name = entry->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat{entry->path() / "stat"};
    std::string line;
    if (!std::getline(stat, line)) continue;
    // "pid (command) state ppid …", where the command may hold spaces and parentheses.
    const auto command_end = line.rfind(')');
    if (command_end == std::string::npos || command_end + 4 >= line.size()) continue;
    const pid_t parent = std::atoi(line.c_str() + command_end + 4);
    children.emplace(parent, std::stoi(name));
  }
  std::vector<pid_t> found;
  std::vector<pid_t> to_visit{root};
  while (!to_visit.empty()) {
    const pid_t parent = to_visit.back();
    to_visit.pop_back();
    for (auto [child, last] = children.equal_range(parent); child != last; ++child) {
      found.push_back(child->second);
      to_visit.push_back(child->second);
    }
  }
  return found;
}

// Kills `chromium` and everything it started: its helpers (zygotes, renderers, the GPU and
// network services) would otherwise take a while to notice it is gone. Returns once all are
// dead.
void kill_process_tree(Process& chromium) {
  // Stopped first, it cannot start a new helper while the old ones are being killed.
  chromium.send_signal(SIGSTOP);
  std::vector<int> helpers;
  for (const pid_t pid : descendants(chromium.pid())) {
    // A pidfd names the process itself, never a later one that reuses its pid.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) helpers.push_back(pidfd);
  }
  for (const int pidfd : helpers) ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  chromium.send_signal(SIGKILL);
  chromium.wait(kStopTimeout);
  const auto deadline = Clock::now() + kStopTimeout;
  for (const int pidfd : helpers) {
    pollfd exited{.fd = pidfd, .events = POLLIN, .revents = 0};
    ::poll(&exited, 1, static_cast<int>(remaining(deadline).count()));
    ::close(pidfd);
  }
}

// One WebSocket to Chromium's DevTools: commands go out with an id and their callers wait for
// the reply with that id; events (messages without an id) go to `on_event` as they come.
// Reading and writing run on a thread of their own, so that events are taken in while nobody
// waits for a reply.
class DevToolsConnection {
 public:
  using EventHandler = std::function<void(const json& event)>;
  using CloseHandler = std::function<void(const std::string& reason)>;

  DevToolsConnection(const DevToolsAddress& address, EventHandler on_event, CloseHandler on_close,
                     std::chrono::milliseconds timeout);
  ~DevToolsConnection() { stop(); }

  DevToolsConnection(const DevToolsConnection&) = delete;
  DevToolsConnection& operator=(const DevToolsConnection&) = delete;

  // Sends `method` to the browser, or to the page of `session_id`, and returns the result of
  // its reply; throws with the protocol's error message, on timeout, or when the connection is
  // lost.
  json call(const std::string& method, json params,
            std::chrono::milliseconds timeout = kReplyTimeout, const std::string& session_id = {});

 private:
  // All of these run on the connection's thread.
  void on_connect(beast::error_code error);
  void on_handshake(beast::error_code error);
  void read_next();
  void write_next();
  void dispatch(std::string_view message);
  void fail(const std::string& reason);

  void stop();

  const DevToolsAddress address_;
  net::io_context io_;
  websocket::stream<beast::tcp_stream> websocket_{io_};
  beast::flat_buffer incoming_;
  std::deque<std::string> outgoing_;
  EventHandler on_event_;
  CloseHandler on_close_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  std::optional<std::string> broken_;
  int next_id_ = 1;
  std::map<int, std::optional<json>> replies_;  // by id, empty until the reply comes

  std::thread thread_;
};

DevToolsConnection::DevToolsConnection(const DevToolsAddress& address, EventHandler on_event,
                                       CloseHandler on_close, std::chrono::milliseconds timeout)
    : address_{address}, on_event_{std::move(on_event)}, on_close_{std::move(on_close)} {
  auto& socket = beast::get_lowest_layer(websocket_);
  socket.expires_after(timeout);
  socket.async_connect(tcp::endpoint{net::ip::make_address(address_.host), address_.port},
                       [this](beast::error_code error) { on_connect(error); });
  thread_ = std::thread{[this] { io_.run(); }};

  std::unique_lock lock{mutex_};
  changed_.wait_for(lock, timeout, [this] { return open_ || broken_; });
  if (!open_) {
    const std::string reason = broken_.value_or("no WebSocket to DevTools at " +
                                                address_.host_and_port() + " within the time");
    lock.unlock();
    stop();
    throw std::runtime_error(reason);
  }
}

void DevToolsConnection::on_connect(beast::error_code error) {
  if (error) {
    return fail("connecting to DevTools at " + address_.host_and_port() + ": " + error.message());
  }
  // From here the WebSocket keeps its own time: a limit for the handshake, none for silence.
  beast::get_lowest_layer(websocket_).expires_never();
  websocket_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  websocket_.read_message_max(kMessageMax);
  websocket_.async_handshake(address_.host_and_port(), address_.target,
                             [this](beast::error_code error) { on_handshake(error); });
}

void DevToolsConnection::on_handshake(beast::error_code error) {
  if (error) {
    return fail("WebSocket handshake with DevTools at " + address_.host_and_port() + ": " +
                error.message());
  }
  websocket_.text(true);
  {
    std::lock_guard lock{mutex_};
    open_ = true;
  }
  changed_.notify_all();
  read_next();
}

void DevToolsConnection::stop() {
  net::post(io_, [this] {
    beast::error_code ignored;
    beast::get_lowest_layer(websocket_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(websocket_).close();
    io_.stop();
  });
  if (thread_.joinable()) thread_.join();
}

json DevToolsConnection::call(const std::string& method, json params,
                              std::chrono::milliseconds timeout, const std::string& session_id) {
  std::unique_lock lock{mutex_};
  if (broken_) throw std::runtime_error(method + ": " + *broken_);
  const int id = next_id_++;
  replies_.emplace(id, std::nullopt);
  lock.unlock();

  json message{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session_id.empty()) message["sessionId"] = session_id;
  net::post(io_, [this, text = message.dump()]() mutable {
    outgoing_.push_back(std::move(text));
    if (outgoing_.size() == 1) write_next();
  });

  lock.lock();
  changed_.wait_for(lock, timeout, [&] { return replies_.at(id).has_value() || broken_; });
  const std::optional<json> reply = std::move(replies_.at(id));
  replies_.erase(id);
  if (!reply) {
    throw std::runtime_error(method + ": " +
                             broken_.value_or("no reply from chromium within " +
                                              std::to_string(timeout.count()) + " ms"));
  }
  if (const auto error = reply->find("error"); error != reply->end()) {
    throw std::runtime_error(
        method + ": " + error->value("message", error->dump()) +
        (error->contains("data") ? " (" + error->at("data").dump() + ")" : ""));
  }
  return reply->value("result", json::object());
}

void DevToolsConnection::read_next() {
  websocket_.async_read(incoming_, [this](beast::error_code error, std::size_t) {
    if (error) return fail("the DevTools connection broke: " + error.message());
    const auto data = incoming_.cdata();
    dispatch({static_cast<const char*>(data.data()), data.size()});
    incoming_.consume(incoming_.size());
    read_next();
  });
}

void DevToolsConnection::write_next() {
  websocket_.async_write(net::buffer(outgoing_.front()),
                         [this](beast::error_code error, std::size_t) {
                           if (error) return fail("writing to DevTools: " + error.message());
                           outgoing_.pop_front();
                           if (!outgoing_.empty()) write_next();
                         });
}

void DevToolsConnection::dispatch(std::string_view text) {
  json message = json::parse(text, nullptr, false);
  if (message.is_discarded()) return fail("DevTools sent a message that is no JSON");
  const auto id = message.find("id");
  if (id == message.end()) {
    on_event_(message);
    return;
  }
  {
    std::lock_guard lock{mutex_};
    // No entry when its caller gave up waiting.
    if (const auto reply = replies_.find(id->get<int>()); reply != replies_.end()) {
      reply->second = std::move(message);
    }
  }
  changed_.notify_all();
}

void DevToolsConnection::fail(const std::string& reason) {
  {
    std::lock_guard lock{mutex_};
    if (broken_) return;
    broken_ = reason;
  }
  changed_.notify_all();
  on_close_(reason);
}

std::string remote_object_text(const json& object) {
  if (const auto value = object.find("value"); value != object.end()) {
    return value->is_string() ? value->get<std::string>() : value->dump();
  }
  return object.value("description", object.value("unserializableValue", object.value("type", "")));
}

std::string exception_text(const json& details) {
  std::string text = details.contains("exception") ? remote_object_text(details.at("exception"))
                                                   : details.value("text", "an exception");
  if (details.contains("url")) {
    text += " (" + details.value("url", "") + ":" +
            std::to_string(details.value("lineNumber", 0) + 1) + ")";
  }
  return text;
}

std::string console_text(const json& params) {
  std::string text = "console." + params.value("type", "") + ":";
  for (const json& argument : params.value("args", json::array())) {
    text += " " + remote_object_text(argument);
  }
  return text;
}

// A value Runtime.evaluate returned by value: JSON as it is, except what JSON cannot carry.
json value_of(const json& object) {
  if (const auto value = object.find("value"); value != object.end()) return *value;
  const std::string special = object.value("unserializableValue", "");
  if (special == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (special == "Infinity") return std::numeric_limits<double>::infinity();
  if (special == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (special == "-0") return -0.0;
  if (!special.empty()) return special;  // a BigInt, as "123n"
  return nullptr;                        // undefined
}

bool truthy(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return false;
    case json::value_t::boolean:
      return value.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: {
      const double number = value.get<double>();
      return number != 0 && !std::isnan(number);
    }
    case json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    default:
      return true;
  }
}

std::string decode_base64(std::string_view text) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::array<int, 256> values{};
  values.fill(-1);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
  }
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  unsigned bits = 0;
  int bit_count = 0;
  for (const char c : text) {
    if (c == '=') break;
    const int value = values[static_cast<unsigned char>(c)];
    if (value < 0) throw std::runtime_error("a screenshot that is no base64");
    bits = (bits << 6) | static_cast<unsigned>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
    }
  }
  return bytes;
}

}  // namespace

struct Browser::Impl {
  Impl();
  ~Impl();

  json call(const std::string& method, json params = json::object(),
            std::chrono::milliseconds timeout = kReplyTimeout) {
    return devtools->call(method, std::move(params), timeout, session_id);
  }
  // On the connection's thread.
  void on_event(const json& event);
  void on_close(const std::string& reason);

  TempDir profile;
  Process chromium;

  // What the connection's thread tells the test's; declared before the connection, which
  // must stop before they go.
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> loaded_documents;  // loader ids of documents whose load event fired
  std::vector<std::string> errors;
  std::optional<std::string> closed;  // why the connection ended, once it has

  std::unique_ptr<DevToolsConnection> devtools;
  std::string session_id;  // of the page, set once in the constructor
};

Browser::Impl::Impl() : chromium{start_chromium(profile)} {
  try {
    const auto deadline = Clock::now() + kStartTimeout;
    devtools = std::make_unique<DevToolsConnection>(
        await_devtools_address(chromium, deadline), [this](const json& event) { on_event(event); },
        [this](const std::string& reason) { on_close(reason); }, remaining(deadline));
    // A page of its own, attached in "flat" mode: its commands and events travel on this one
    // connection, tagged with the session id.
    const json target = devtools->call("Target.createTarget", {{"url", "about:blank"}});
    const json session = devtools->call("Target.attachToTarget",
                                        {{"targetId", target.at("targetId")}, {"flatten", true}});
    session_id = session.at("sessionId");
    call("Page.enable");
    call("Page.setLifecycleEventsEnabled", {{"enabled", true}});
    call("Runtime.enable");
    call("Log.enable");
  } catch (const std::exception& error) {
    devtools.reset();
    kill_process_tree(chromium);
    throw std::runtime_error(std::string{"starting headless chromium: "} + error.what());
  }
}

Browser::Impl::~Impl() {
  devtools.reset();
  kill_process_tree(chromium);
}

void Browser::Impl::on_event(const json& event) {
  const std::string method = event.value("method", "");
  const json params = event.value("params", json::object());
  {
    std::lock_guard lock{mutex};
    if (method == "Page.lifecycleEvent") {
      if (params.value("name", "") == "load") loaded_documents.insert(params.value("loaderId", ""));
    } else if (method == "Runtime.consoleAPICalled") {
      const std::string type = params.value("type", "");
      if (type == "error" || type == "assert") errors.push_back(console_text(params));
    } else if (method == "Runtime.exceptionThrown") {
      errors.push_back(exception_text(params.value("exceptionDetails", json::object())));
    } else if (method == "Log.entryAdded") {
      const json entry = params.value("entry", json::object());
      if (entry.value("level", "") == "error") {
        errors.push_back(entry.value("text", "") +
                         (entry.contains("url") ? " (" + entry.value("url", "") + ")" : ""));
      }
    } else {
      return;
    }
  }
  changed.notify_all();
}

void Browser::Impl::on_close(const std::string& reason) {
  {
    std::lock_guard lock{mutex};
    closed = reason;
  }
  changed.notify_all();
}

Browser::Browser() : impl_{std::make_unique<Impl>()} {}

Browser::~Browser() = default;

void Browser::set_viewport(const Viewport& viewport) {
  impl_->call("Emulation.setDeviceMetricsOverride",
              {{"width", viewport.width},
               {"height", viewport.height},
               {"deviceScaleFactor", viewport.device_scale_factor},
               {"mobile", viewport.mobile}});
  impl_->call("Emulation.setTouchEmulationEnabled",
              {{"enabled", viewport.mobile}, {"maxTouchPoints", viewport.mobile ? 5 : 1}});
}

void Browser::navigate(const std::string& url, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const json result = impl_->call("Page.navigate", {{"url", url}}, timeout);
  if (const std::string error = result.value("errorText", ""); !error.empty()) {
    throw std::runtime_error("navigating to " + url + ": " + error);
  }
  // A jump within the document (a #fragment) loads nothing.
  const std::string loader_id = result.value("loaderId", "");
  if (loader_id.empty()) return;
  std::unique_lock lock{impl_->mutex};
  impl_->changed.wait_until(
      lock, deadline, [&] { return impl_->loaded_documents.contains(loader_id) || impl_->closed; });
  if (!impl_->loaded_documents.contains(loader_id)) {
    throw std::runtime_error(
        "navigating to " + url + ": " +
        impl_->closed.value_or("no load event within " + std::to_string(timeout.count()) + " s"));
  }
}

json Browser::evaluate(const std::string& expression) {
  const json result =
      impl_->call("Runtime.evaluate",
                  {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}});
  if (const auto details = result.find("exceptionDetails"); details != result.end()) {
    throw std::runtime_error("evaluating `" + expression + "`: " + exception_text(*details));
  }
  return value_of(result.at("result"));
}

bool Browser::wait_until(const std::string& expression, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (truthy(evaluate(expression))) return true;
    if (Clock::now() >= deadline) return false;
    // The page says nothing when a condition becomes true: polling is the only way to know.
    std::this_thread::sleep_for(
        std::min<std::chrono::milliseconds>(kPollInterval, remaining(deadline)));
  }
}

void Browser::screenshot(const std::filesystem::path& path, Capture capture) {
  json params{{"format", "png"}};
  if (capture == Capture::full_page) {
    const json size = impl_->call("Page.getLayoutMetrics").at("cssContentSize");
    params["captureBeyondViewport"] = true;
    params["clip"] = {{"x", 0},
                      {"y", 0},
                      {"width", size.at("width")},
                      {"height", size.at("height")},
                      {"scale", 1}};
  }
  const json result = impl_->call("Page.captureScreenshot", std::move(params));
  const std::string png = decode_base64(result.at("data").get_ref<const std::string&>());
  std::ofstream file{path, std::ios::binary | std::ios::trunc};
  file.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!file.flush()) throw std::runtime_error("writing the screenshot " + path.string());
}

std::vector<std::string> Browser::errors() {
  // The page's events come before its reply to anything asked after them.
  impl_->call("Runtime.evaluate", {{"expression", "0"}});
  std::lock_guard lock{impl_->mutex};
  return impl_->errors;
}

}  // namespace cryptometrics::testing
