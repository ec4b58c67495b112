// A client for the wpa_ctrl protocol spoken by hostapd and wpa_supplicant on their Unix datagram control
// sockets (ctrl_interface=DIR → DIR/<ifname>). One datagram per command, one datagram per reply; after
// ATTACH the same socket also carries unsolicited events, each prefixed "<N>" with its priority (2 = debug,
// 3 = info, 4 = warning). Events that arrive while a reply is awaited are queued, never taken for the reply.
//
// The socket itself is opened by Debian's libwpa_client (upstream wpa_ctrl.c: binds the client socket in the
// client directory, unlinks it on close). Its wpa_ctrl_request() is not used: its timeout is fixed at 10 s
// and restarts on every event, and interleaved events go to a context-free C callback. Requests here are
// sent and matched on the same fd with a per-call deadline, and a daemon that dies mid-request is noticed
// within `liveness_probe` (a fresh connect() to its socket is refused) instead of waiting the full timeout.
// The protocol has no request ids, so after a timed-out request the next one goes out on a new client socket
// (re-ATTACHed if it was): the late reply can never be taken for another command's.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/clock/clock.hpp"

namespace tapbench::wifi {

class CtrlChannel;

struct WpaEvent {
  int priority = 0;  // the N of "<N>"
  std::string text;  // without the prefix: "CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed"
  MonotonicTime at;  // when it was read from the socket (by the injected clock)

  // First word: "CTRL-EVENT-CONNECTED", "AP-ENABLED", "Trying" (for "Trying to associate with ...").
  std::string_view name() const;
  bool is(std::string_view event_name) const { return name() == event_name; }
  bool starts_with(std::string_view prefix) const { return std::string_view(text).starts_with(prefix); }
  // Value of key=value in the event (quoted values unquoted): field("reason") of "... reason=WRONG_KEY".
  std::optional<std::string> field(std::string_view key) const;
};

// "<3>AP-ENABLED " → {3, "AP-ENABLED "}; anything else (a reply) → nullopt.
std::optional<WpaEvent> parse_event_datagram(std::string_view datagram);
// The command with arguments that may hold secrets dropped, for error messages and logs:
// "SET_NETWORK 0 psk \"x\"" → "SET_NETWORK 0 psk", "SET wpa_passphrase x" → "SET wpa_passphrase".
std::string redact_command(std::string_view command);

class WpaCtrl {
 public:
  struct Options {
    std::chrono::milliseconds timeout{5000};        // default per-request deadline
    std::chrono::milliseconds liveness_probe{200};  // how often an idle wait checks the daemon is alive
  };

  // Opens DIR/<ifname> (the daemon's socket), or "tcp:HOST:PORT" (a tapbench-wpa-ctrl-relay forwarding to
  // one; see ctrl_channel.hpp). Throws WifiError(kNoDaemon) if nothing listens there.
  WpaCtrl(std::string ctrl_path, const Clock& clock);
  WpaCtrl(std::string ctrl_path, const Clock& clock, Options options);
  ~WpaCtrl();
  WpaCtrl(const WpaCtrl&) = delete;
  WpaCtrl& operator=(const WpaCtrl&) = delete;

  const std::string& path() const { return path_; }

  // Sends one command, returns the raw reply (with its trailing newline, as the daemon sent it).
  // Throws kDaemonGone, kTimeout, kIo, kBadArgument (empty command or one with a NUL/newline).
  std::string request(std::string_view command);
  std::string request(std::string_view command, std::chrono::milliseconds timeout);
  // request() that also requires the reply "OK": throws kUnknownCommand on "UNKNOWN COMMAND", kCommandFailed
  // on FAIL / FAIL-BUSY / anything else.
  void request_ok(std::string_view command);
  void request_ok(std::string_view command, std::chrono::milliseconds timeout);
  // request() that throws kUnknownCommand / kCommandFailed for those replies, else returns the reply.
  std::string request_checked(std::string_view command);

  // ATTACH / DETACH this socket to the event stream.
  void attach();
  void detach();
  bool attached() const { return attached_; }

  // The next event (queued or from the socket), or nullopt when none came within `timeout`.
  // Throws kDaemonGone if the daemon disappears while waiting.
  std::optional<WpaEvent> next_event(std::chrono::milliseconds timeout);
  // Waits for the first event `match` accepts; events it skips are dropped. Throws kTimeout naming `what`.
  WpaEvent wait_event(const std::function<bool(const WpaEvent&)>& match, std::chrono::milliseconds timeout,
                      std::string_view what);
  std::size_t queued_events() const { return events_.size(); }
  // Drops the queued events and those already waiting on the socket (a role starting afresh).
  void clear_events();

 private:
  enum class Wait { kData, kIdle };
  // Waits up to `slice` for a datagram; on idle, probes that the daemon is still there.
  Wait wait_readable(std::chrono::milliseconds slice);
  std::optional<std::string> recv_datagram();
  void queue_event(WpaEvent e);
  static constexpr std::size_t kMaxQueuedEvents = 4096;  // oldest dropped beyond this
  void open_socket();
  void close_socket();
  void replace_socket();

  std::string path_;
  const Clock& clock_;
  Options options_;
  std::unique_ptr<CtrlChannel> channel_;
  bool attached_ = false;
  bool stale_reply_possible_ = false;  // a request timed out: its late reply may still arrive
  std::deque<WpaEvent> events_;
};

}  // namespace tapbench::wifi
