#include "drivers/wifi/wpa_ctrl.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {
namespace {

using std::chrono::milliseconds;

// Bounds a wait both by the injected clock and by the real time spent idle in poll(): with a ManualClock
// that nobody advances, the idle time still ends the wait.
class Deadline {
 public:
  Deadline(const Clock& clock, milliseconds timeout)
      : clock_(clock), start_(clock.monotonic_now()), timeout_(timeout) {}
  milliseconds remaining() const {
    auto by_clock = std::chrono::duration_cast<milliseconds>(clock_.monotonic_now() - start_);
    auto spent = std::max(by_clock, idle_);
    return spent >= timeout_ ? milliseconds{0} : timeout_ - spent;
  }
  void add_idle(milliseconds d) { idle_ += d; }

 private:
  const Clock& clock_;
  MonotonicTime start_;
  milliseconds timeout_;
  milliseconds idle_{0};
};

std::string first_word(std::string_view s) {
  auto end = s.find_first_of(" \n");
  return std::string(s.substr(0, end));
}

std::string trim_reply(std::string_view reply) {
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == ' '))
    reply.remove_suffix(1);
  return std::string(reply);
}

[[noreturn]] void throw_reply_error(std::string_view command, const std::string& reply) {
  auto shown = trim_reply(reply);
  if (shown == "UNKNOWN COMMAND") {
    throw WifiError(WifiErrc::kUnknownCommand,
                    "wpa_ctrl: the daemon does not know '" + first_word(command) + "' (UNKNOWN COMMAND)");
  }
  throw WifiError(WifiErrc::kCommandFailed, "wpa_ctrl: '" + redact_command(command) +
                                                "' failed: " + (shown.empty() ? "(empty)" : shown));
}

}  // namespace

std::string_view WpaEvent::name() const {
  std::string_view t(text);
  return t.substr(0, t.find(' '));
}

std::optional<std::string> WpaEvent::field(std::string_view key) const {
  std::string_view t(text);
  std::string needle = std::string(key) + "=";
  std::size_t pos = 0;
  while ((pos = t.find(needle, pos)) != std::string_view::npos) {
    if (pos == 0 || t[pos - 1] == ' ' || t[pos - 1] == '[') {
      auto value = t.substr(pos + needle.size());
      if (!value.empty() && value.front() == '"') {
        auto close = value.find('"', 1);
        return std::string(value.substr(1, close == std::string_view::npos ? value.npos : close - 1));
      }
      return std::string(value.substr(0, value.find_first_of(" ]")));
    }
    pos += needle.size();
  }
  return std::nullopt;
}

std::optional<WpaEvent> parse_event_datagram(std::string_view d) {
  if (d.size() < 3 || d[0] != '<') return std::nullopt;
  std::size_t i = 1;
  int priority = 0;
  while (i < d.size() && i < 4 && d[i] >= '0' && d[i] <= '9')
    priority = priority * 10 + (d[i++] - '0');
  if (i == 1 || i >= d.size() || d[i] != '>') return std::nullopt;
  WpaEvent e;
  e.priority = priority;
  auto body = d.substr(i + 1);
  while (!body.empty() && body.back() == '\n')
    body.remove_suffix(1);
  e.text = std::string(body);
  return e;
}

std::string redact_command(std::string_view command) {
  // Keep the verb and the names of what is set; drop values (passphrases, PSKs, WPS PINs, config tokens).
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < command.size() && words.size() < 3) {
    auto end = command.find(' ', pos);
    if (end == std::string_view::npos) end = command.size();
    if (end > pos) words.push_back(command.substr(pos, end - pos));
    pos = end + 1;
  }
  if (words.empty()) return "";
  std::size_t keep = 1;
  if (words[0] == "SET" || words[0] == "GET_NETWORK") keep = 2;
  if (words[0] == "SET_NETWORK") keep = 3;
  if (words[0] == "ADD_NETWORK" || words[0] == "SELECT_NETWORK" || words[0] == "ENABLE_NETWORK" ||
      words[0] == "REMOVE_NETWORK" || words[0] == "DISABLE_NETWORK")
    keep = 2;
  std::string out;
  for (std::size_t i = 0; i < std::min(keep, words.size()); ++i) {
    if (i) out += ' ';
    out += words[i];
  }
  return out;
}

WpaCtrl::WpaCtrl(std::string ctrl_path, const Clock& clock)
    : WpaCtrl(std::move(ctrl_path), clock, Options{}) {}

WpaCtrl::WpaCtrl(std::string ctrl_path, const Clock& clock, Options options)
    : path_(std::move(ctrl_path)), clock_(clock), options_(options) {
  open_socket();
}

WpaCtrl::~WpaCtrl() = default;

void WpaCtrl::open_socket() {
  channel_ = make_ctrl_channel(path_);
}

void WpaCtrl::close_socket() {
  channel_.reset();
}

WpaCtrl::Wait WpaCtrl::wait_readable(milliseconds slice) {
  pollfd p{channel_->fd(), POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(slice.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) throw WifiError(WifiErrc::kIo, std::string("wpa_ctrl: poll: ") + std::strerror(errno));
  if (rc == 0) {
    channel_->check_alive();
    return Wait::kIdle;
  }
  return Wait::kData;
}

std::optional<std::string> WpaCtrl::recv_datagram() {
  return channel_->try_recv();
}

void WpaCtrl::queue_event(WpaEvent e) {
  // Bounded: a socket attached for hours whose events nobody reads must not grow without limit.
  if (events_.size() >= kMaxQueuedEvents) events_.pop_front();
  events_.push_back(std::move(e));
}

void WpaCtrl::replace_socket() {
  // The protocol has no request ids: after a timed-out request its reply may still come, and would be taken
  // for the next command's. A new client socket (new address) never receives it. Events already read are
  // kept; events sent during the switch are lost (the daemon was not answering anyway).
  while (auto d = recv_datagram()) {
    if (auto e = parse_event_datagram(*d)) {
      e->at = clock_.monotonic_now();
      queue_event(std::move(*e));
    }
  }
  close_socket();
  open_socket();
  stale_reply_possible_ = false;
  if (attached_) {
    attached_ = false;
    attach();
  }
}

std::string WpaCtrl::request(std::string_view command) {
  return request(command, options_.timeout);
}

std::string WpaCtrl::request(std::string_view command, milliseconds timeout) {
  if (command.empty() || command.find('\0') != std::string_view::npos ||
      command.find('\n') != std::string_view::npos) {
    throw WifiError(WifiErrc::kBadArgument, "wpa_ctrl: a command must be one non-empty line without NUL");
  }
  if (!channel_) open_socket();  // a replacement failed earlier (daemon was gone); try again
  if (stale_reply_possible_) replace_socket();
  try {
    channel_->send(command);
  } catch (const WifiError& e) {
    throw WifiError(e.code(), "wpa_ctrl: '" + redact_command(command) + "' to " + path_ + ": " + e.what());
  }
  Deadline deadline(clock_, timeout);
  for (;;) {
    while (auto d = recv_datagram()) {
      if (auto e = parse_event_datagram(*d)) {
        e->at = clock_.monotonic_now();
        queue_event(std::move(*e));
        continue;
      }
      return *d;
    }
    auto left = deadline.remaining();
    if (left.count() <= 0) break;
    auto slice = std::min(left, options_.liveness_probe);
    if (wait_readable(slice) == Wait::kIdle) deadline.add_idle(slice);
  }
  stale_reply_possible_ = true;
  throw WifiError(WifiErrc::kTimeout, "wpa_ctrl: no reply to '" + redact_command(command) + "' from " +
                                          path_ + " within " + std::to_string(timeout.count()) + " ms");
}

void WpaCtrl::request_ok(std::string_view command) {
  request_ok(command, options_.timeout);
}

void WpaCtrl::request_ok(std::string_view command, milliseconds timeout) {
  auto reply = request(command, timeout);
  if (trim_reply(reply) != "OK") throw_reply_error(command, reply);
}

std::string WpaCtrl::request_checked(std::string_view command) {
  auto reply = request(command);
  auto t = trim_reply(reply);
  if (t == "UNKNOWN COMMAND" || t.starts_with("FAIL")) throw_reply_error(command, reply);
  return reply;
}

void WpaCtrl::attach() {
  request_ok("ATTACH");
  attached_ = true;
}

void WpaCtrl::detach() {
  request_ok("DETACH");
  attached_ = false;
}

std::optional<WpaEvent> WpaCtrl::next_event(milliseconds timeout) {
  Deadline deadline(clock_, timeout);
  for (;;) {
    if (!events_.empty()) {
      WpaEvent e = std::move(events_.front());
      events_.pop_front();
      return e;
    }
    while (auto d = recv_datagram()) {
      if (auto e = parse_event_datagram(*d)) {
        e->at = clock_.monotonic_now();
        return e;
      }
      // A reply nobody waits for (late reply of a timed-out request): drop it.
    }
    auto left = deadline.remaining();
    if (left.count() <= 0) return std::nullopt;
    auto slice = std::min(left, options_.liveness_probe);
    if (wait_readable(slice) == Wait::kIdle) deadline.add_idle(slice);
  }
}

void WpaCtrl::clear_events() {
  events_.clear();
  while (recv_datagram()) {
  }
}

WpaEvent WpaCtrl::wait_event(const std::function<bool(const WpaEvent&)>& match, milliseconds timeout,
                             std::string_view what) {
  Deadline deadline(clock_, timeout);
  for (;;) {
    auto left = deadline.remaining();
    auto e = next_event(left);
    if (!e) break;
    if (match(*e)) return *e;
    if (left.count() <= 0) break;
  }
  throw WifiError(WifiErrc::kTimeout, "wpa_ctrl: no " + std::string(what) + " event from " + path_ +
                                          " within " + std::to_string(timeout.count()) + " ms");
}

}  // namespace tapbench::wifi
