#include "drivers/wifi/ctrl_channel.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wpa_ctrl.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {
namespace {

// wpa_ctrl_open() names client sockets from a static counter: serialise opens and closes across threads.
std::mutex& open_mutex() {
  static std::mutex m;
  return m;
}

bool gone_errno(int err) {
  return err == ECONNREFUSED || err == ENOENT || err == ENOTCONN || err == ECONNRESET || err == EPIPE;
}

constexpr std::size_t kMaxFrame = 1 << 20;

}  // namespace

// --- Unix datagram socket (libwpa_client) ---------------------------------------------------------------

UnixCtrlChannel::UnixCtrlChannel(std::string path) : path_(std::move(path)) {
  errno = 0;
  {
    std::lock_guard lock(open_mutex());
    ctrl_ = wpa_ctrl_open(path_.c_str());
  }
  if (ctrl_ == nullptr) {
    int err = errno;
    std::string why = err ? std::strerror(err) : "cannot open";
    throw WifiError(WifiErrc::kNoDaemon,
                    "wpa_ctrl: no daemon at control socket " + path_ + " (" + why +
                        "); is hostapd/wpa_supplicant running with that ctrl_interface?");
  }
  fd_ = wpa_ctrl_get_fd(ctrl_);
}

UnixCtrlChannel::~UnixCtrlChannel() {
  std::lock_guard lock(open_mutex());
  wpa_ctrl_close(ctrl_);  // unlinks our client socket; the daemon drops a monitor whose sends fail
}

void UnixCtrlChannel::send(std::string_view message) {
  ssize_t sent;
  do {
    sent = ::send(fd_, message.data(), message.size(), MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    int err = errno;
    if (gone_errno(err)) {
      throw WifiError(WifiErrc::kDaemonGone,
                      "wpa_ctrl: the daemon behind " + path_ + " is gone (" + std::strerror(err) + ")");
    }
    throw WifiError(WifiErrc::kIo, "wpa_ctrl: send to " + path_ + ": " + std::strerror(err));
  }
}

std::optional<std::string> UnixCtrlChannel::try_recv() {
  char buf[8192];
  ssize_t n;
  do {
    n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
    if (gone_errno(errno))
      throw WifiError(WifiErrc::kDaemonGone, "wpa_ctrl: the daemon behind " + path_ + " is gone");
    throw WifiError(WifiErrc::kIo, std::string("wpa_ctrl: recv: ") + std::strerror(errno));
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

void UnixCtrlChannel::check_alive() {
  // A fresh connect() to the daemon's socket sends nothing; it is refused once the daemon is gone (killed:
  // the socket file stays but nobody owns it; clean exit: the file is removed).
  int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  int rc = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::close(probe);
  if (rc != 0 && (err == ECONNREFUSED || err == ENOENT)) {
    throw WifiError(WifiErrc::kDaemonGone,
                    "wpa_ctrl: the daemon behind " + path_ + " is gone (" + std::strerror(err) + ")");
  }
}

// --- TCP to the relay
// -----------------------------------------------------------------------------------------

std::string frame(std::string_view message) {
  std::string out(4, '\0');
  auto n = static_cast<std::uint32_t>(message.size());
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
  out.append(message);
  return out;
}

std::optional<std::string> unframe(std::string& buffer) {
  if (buffer.size() < 4) return std::nullopt;
  auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(buffer[i])); };
  std::size_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  if (n > kMaxFrame)
    throw WifiError(WifiErrc::kBadReply, "wpa_ctrl relay: frame of " + std::to_string(n) + " bytes");
  if (buffer.size() < 4 + n) return std::nullopt;
  std::string message = buffer.substr(4, n);
  buffer.erase(0, 4 + n);
  return message;
}

TcpCtrlChannel::TcpCtrlChannel(const std::string& host, int port)
    : where_("relay " + host + ":" + std::to_string(port)) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr) {
    throw WifiError(WifiErrc::kNoDaemon, "wpa_ctrl: cannot resolve " + where_);
  }
  int err = 0;
  for (auto* ai = res; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) continue;
    if (::connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd_ = s;
    } else {
      err = errno;
      ::close(s);
    }
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) {
    throw WifiError(WifiErrc::kNoDaemon,
                    "wpa_ctrl: cannot connect to " + where_ + " (" + std::strerror(err) + ")");
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

TcpCtrlChannel::~TcpCtrlChannel() {
  ::close(fd_);
}

void TcpCtrlChannel::send(std::string_view message) {
  if (eof_) throw WifiError(WifiErrc::kDaemonGone, "wpa_ctrl: " + where_ + " closed: the daemon is gone");
  auto data = frame(message);
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      if (gone_errno(err)) throw WifiError(WifiErrc::kDaemonGone, "wpa_ctrl: " + where_ + " closed");
      throw WifiError(WifiErrc::kIo, "wpa_ctrl: send to " + where_ + ": " + std::strerror(err));
    }
    off += static_cast<std::size_t>(n);
  }
}

std::optional<std::string> TcpCtrlChannel::try_recv() {
  if (auto m = unframe(buffer_)) return m;
  while (!eof_) {
    char buf[8192];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && !gone_errno(errno))
      throw WifiError(WifiErrc::kIo, std::string("wpa_ctrl: recv: ") + std::strerror(errno));
    if (n <= 0) {
      eof_ = true;
      break;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    if (auto m = unframe(buffer_)) return m;
  }
  if (eof_) {
    throw WifiError(WifiErrc::kDaemonGone,
                    "wpa_ctrl: " + where_ + " closed the connection: the daemon is gone");
  }
  return std::nullopt;
}

void TcpCtrlChannel::check_alive() {
  // Nothing to probe: the relay closes the connection when its daemon goes away, poll() reports the fd
  // readable and try_recv() turns the EOF into kDaemonGone.
}

bool is_relayed(std::string_view address) {
  return address.starts_with("tcp:");
}

std::unique_ptr<CtrlChannel> make_ctrl_channel(const std::string& address) {
  if (!is_relayed(address)) return std::make_unique<UnixCtrlChannel>(address);
  auto rest = address.substr(4);
  auto colon = rest.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      port = 0;
    }
  }
  if (colon == std::string::npos || colon == 0 || port <= 0 || port > 65535) {
    throw WifiError(WifiErrc::kBadArgument,
                    "wpa_ctrl: relay address must be tcp:HOST:PORT (got '" + address + "')");
  }
  return std::make_unique<TcpCtrlChannel>(rest.substr(0, colon), port);
}

}  // namespace tapbench::wifi
