// How a WpaCtrl reaches a daemon: one message in, one message out, plus an fd to poll.
//   UnixCtrlChannel   the daemon's own Unix datagram socket, opened by Debian's libwpa_client
//   TcpCtrlChannel    a TCP connection to tapbench-wpa-ctrl-relay (ctrl_relay.hpp), which forwards each
//                     message to a daemon's socket on another machine — the radio-lab VM, reached through
//                     qemu's port forwarding. Messages are framed as a 4-byte big-endian length + bytes.
// make_ctrl_channel() picks by address: "tcp:HOST:PORT" or a socket path.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct wpa_ctrl;

namespace tapbench::wifi {

class CtrlChannel {
 public:
  virtual ~CtrlChannel() = default;
  virtual int fd() const = 0;
  // Throws WifiError(kDaemonGone) when the peer is known to be gone, kIo otherwise.
  virtual void send(std::string_view message) = 0;
  // A complete message if one is ready, without blocking. Throws kDaemonGone.
  virtual std::optional<std::string> try_recv() = 0;
  // Called while idle: throws kDaemonGone if the daemon has gone away.
  virtual void check_alive() = 0;
};

class UnixCtrlChannel final : public CtrlChannel {
 public:
  explicit UnixCtrlChannel(std::string path);  // throws kNoDaemon
  ~UnixCtrlChannel() override;
  int fd() const override { return fd_; }
  void send(std::string_view message) override;
  std::optional<std::string> try_recv() override;
  void check_alive() override;

 private:
  std::string path_;
  struct wpa_ctrl* ctrl_ = nullptr;
  int fd_ = -1;
};

class TcpCtrlChannel final : public CtrlChannel {
 public:
  TcpCtrlChannel(const std::string& host, int port);  // throws kNoDaemon
  ~TcpCtrlChannel() override;
  int fd() const override { return fd_; }
  void send(std::string_view message) override;
  std::optional<std::string> try_recv() override;
  void check_alive() override;

 private:
  std::string where_;
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// "tcp:127.0.0.1:5101" → TcpCtrlChannel, anything else → UnixCtrlChannel. Throws kNoDaemon / kBadArgument.
std::unique_ptr<CtrlChannel> make_ctrl_channel(const std::string& address);
// True for "tcp:…" addresses (the daemon is on another machine: its interfaces are not local).
bool is_relayed(std::string_view address);

// Framing shared with the relay: 4-byte big-endian length, then the bytes.
std::string frame(std::string_view message);
// Takes one complete frame off the front of `buffer`, if there is one. Throws kBadReply on a frame longer
// than 1 MiB (not a relay on the other end).
std::optional<std::string> unframe(std::string& buffer);

}  // namespace tapbench::wifi
