#include "drivers/wifi/ctrl_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <memory>

#include "drivers/wifi/ctrl_channel.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {
namespace {

struct Connection {
  int tcp = -1;
  std::unique_ptr<CtrlChannel> daemon;
  std::string inbound;  // bytes from TCP not yet a whole frame
  bool closed = false;
};

bool write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 2000) <= 0) return false;  // a host that stopped reading: drop it
      continue;
    }
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

CtrlRelay::CtrlRelay(std::vector<RelayMapping> mappings, const std::string& bind_address)
    : mappings_(std::move(mappings)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw WifiError(WifiErrc::kIo, "relay: pipe failed");
  for (auto& m : mappings_) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(m.port));
    if (::inet_pton(AF_INET, bind_address.c_str(), &addr.sin_addr) != 1) {
      ::close(s);
      throw WifiError(WifiErrc::kBadArgument, "relay: bad bind address " + bind_address);
    }
    if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(s, 8) != 0) {
      int err = errno;
      ::close(s);
      throw WifiError(WifiErrc::kIo,
                      "relay: cannot listen on port " + std::to_string(m.port) + ": " + std::strerror(err));
    }
    socklen_t len = sizeof(addr);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    m.port = ntohs(addr.sin_port);
    listeners_.push_back(s);
  }
}

CtrlRelay::~CtrlRelay() {
  for (int s : listeners_)
    ::close(s);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

int CtrlRelay::port(std::size_t mapping) const {
  return mappings_.at(mapping).port;
}

void CtrlRelay::stop() {
  stop_ = true;
  char c = 1;
  [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
}

void CtrlRelay::run() {
  std::list<Connection> conns;
  auto close_conn = [](Connection& c) {
    if (c.tcp >= 0) ::close(c.tcp);
    c.tcp = -1;
    c.daemon.reset();
    c.closed = true;
  };
  while (!stop_) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    for (int s : listeners_)
      fds.push_back({s, POLLIN, 0});
    std::vector<Connection*> order;
    for (auto& c : conns) {
      fds.push_back({c.tcp, POLLIN, 0});
      fds.push_back({c.daemon->fd(), POLLIN, 0});
      order.push_back(&c);
    }
    int rc = ::poll(fds.data(), fds.size(), 200);
    if (rc < 0 && errno != EINTR)
      throw WifiError(WifiErrc::kIo, std::string("relay: poll: ") + std::strerror(errno));
    if (stop_) break;
    if (rc <= 0) {
      // Idle: drop connections whose daemon went away, so the host learns it (EOF → kDaemonGone).
      for (auto& c : conns) {
        try {
          c.daemon->check_alive();
        } catch (const WifiError&) {
          close_conn(c);
        }
      }
    } else {
      for (std::size_t i = 0; i < listeners_.size(); ++i) {
        if (!(fds[1 + i].revents & POLLIN)) continue;
        int t = ::accept4(listeners_[i], nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (t < 0) continue;
        int one = 1;
        ::setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        try {
          conns.push_back({t, std::make_unique<UnixCtrlChannel>(mappings_[i].ctrl_path), {}, false});
        } catch (const WifiError&) {
          ::close(t);  // no daemon there: the host sees the connection close
        }
      }
      const std::size_t base = 1 + listeners_.size();
      for (std::size_t k = 0; k < order.size(); ++k) {
        Connection& c = *order[k];
        if (c.closed) continue;
        try {
          if (fds[base + 2 * k].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[8192];
            ssize_t n = ::recv(c.tcp, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
              close_conn(c);
              continue;
            }
            if (n > 0) c.inbound.append(buf, static_cast<std::size_t>(n));
            while (auto m = unframe(c.inbound))
              c.daemon->send(*m);
          }
          if (fds[base + 2 * k + 1].revents & POLLIN) {
            while (auto m = c.daemon->try_recv()) {
              if (!write_all(c.tcp, frame(*m))) {
                close_conn(c);
                break;
              }
            }
          }
        } catch (const WifiError&) {
          close_conn(c);  // daemon gone or garbage from the host
        }
      }
    }
    conns.remove_if([](const Connection& c) { return c.closed; });
  }
  for (auto& c : conns)
    close_conn(c);
}

}  // namespace tapbench::wifi
