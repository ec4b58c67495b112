#include "rig/bench/bench_health.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "drivers/usb/libusb_reader_inventory.hpp"
#include "drivers/usb/usb_error.hpp"

namespace tapbench::rig {
namespace {

constexpr std::chrono::milliseconds kConnectTimeout{2000};

std::optional<std::string> connect_with_timeout(const std::string& host, int port,
                                                std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return "cannot resolve " + host + ": " + ::gai_strerror(rc);
  }
  std::string why = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        why = "no answer within " + std::to_string(timeout.count()) + " ms";
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        if (err != 0) why = std::strerror(err);
      } else {
        why = std::strerror(errno);
      }
    } else if (rc != 0) {
      why = std::strerror(errno);
    }
    ::close(fd);
    if (rc == 0) {
      ::freeaddrinfo(found);
      return std::nullopt;
    }
  }
  ::freeaddrinfo(found);
  return why;
}

// "host:port" → parts (the last ':' splits, so "[::1]:80" style brackets are stripped).
std::optional<std::pair<std::string, int>> split_host_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  int port = 0;
  if (std::from_chars(address.data() + colon + 1, address.data() + address.size(), port).ec != std::errc{})
    return std::nullopt;
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

// "https://vendor.example:8443/x" → host, port (scheme default when absent).
std::optional<std::pair<std::string, int>> url_host_port(const std::string& url) {
  const bool https = url.starts_with("https://");
  std::string rest = url.substr(https ? 8 : 7);
  rest = rest.substr(0, rest.find('/'));
  if (rest.empty()) return std::nullopt;
  if (auto hp = split_host_port(rest); hp && rest.back() != ']') return hp;
  return std::make_pair(rest, https ? 443 : 80);
}

// The device node of a serial libnfc connstring ("pn532_uart:/dev/ttyUSB0[:115200]"), if it names one.
std::optional<std::string> serial_node(const std::string& connstring) {
  for (const char* driver : {"pn532_uart:", "acr122s:", "arygon:"}) {
    if (connstring.starts_with(driver)) {
      std::string rest = connstring.substr(std::strlen(driver));
      return rest.substr(0, rest.find(':'));
    }
  }
  return std::nullopt;
}

std::string role_of(const Bench& bench, const Device& d) {
  for (const auto& [role, name] : bench.roles) {
    if (name == d.name) return std::string(to_string(role));
  }
  return "no role";
}

}  // namespace

HealthProbe system_probe() {
  HealthProbe p;
  p.list_readers = [] {
    usb::LibusbInventoryOptions options;
    return usb::LibusbReaderInventory(options).list();
  };
  p.exists = [](const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  };
  p.env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  p.tcp_connect = &connect_with_timeout;
  return p;
}

std::vector<std::string> bench_health_problems(const Bench& bench, const HealthProbe& probe) {
  std::vector<std::string> problems;
  std::optional<std::vector<usb::ReaderInfo>> readers;
  std::string usb_problem;
  for (const Device& d : bench.devices) {
    const std::string who = "device '" + d.name + "' (" + role_of(bench, d) + "): ";
    if (const auto* c = std::get_if<LibnfcBackend>(&d.config)) {
      if (auto node = serial_node(c->connstring); node && !probe.exists(*node)) {
        problems.push_back(who + *node + " does not exist (reader unplugged, or another name?)");
      }
    } else if (const auto* u = std::get_if<UsbReaderBackend>(&d.config)) {
      if (!readers && usb_problem.empty()) {
        try {
          readers = probe.list_readers();
        } catch (const std::exception& e) {
          usb_problem = e.what();
        }
      }
      if (!usb_problem.empty()) {
        problems.push_back(who + "cannot list USB readers: " + usb_problem);
        continue;
      }
      usb::ReaderSelector selector;
      selector.port_path = u->port;
      selector.serial = u->serial;
      if (u->vendor_id && u->product_id) selector.id = usb::UsbId{*u->vendor_id, *u->product_id};
      try {
        const usb::ReaderInfo found = usb::select_reader(*readers, selector);
        if (found.kernel_driver_bound) {
          problems.push_back(
              who + "reader " + found.identity() +
              " is held by a kernel driver (pn533_usb): unbind or blacklist it (docs/DRIVERS-USB.md)");
        }
      } catch (const std::exception& e) {
        problems.push_back(who + e.what());
      }
    } else if (const auto* s = std::get_if<WpaSupplicantBackend>(&d.config); s && !s->radio_lab) {
      const std::string sock = s->ctrl_dir.value_or("/run/wpa_supplicant") + "/" + s->interface;
      if (!probe.exists(sock)) problems.push_back(who + "no wpa_supplicant control socket " + sock);
    } else if (const auto* h = std::get_if<HostapdBackend>(&d.config); h && !h->radio_lab) {
      const std::string sock = h->ctrl_dir.value_or("/run/hostapd") + "/" + h->interface;
      if (!probe.exists(sock)) problems.push_back(who + "no hostapd control socket " + sock);
    } else if (const auto* url = std::get_if<UrlServerBackend>(&d.config)) {
      if (url->ca_file && !probe.exists(*url->ca_file)) {
        problems.push_back(who + "no CA file " + *url->ca_file +
                           " (ca-file: the https server cannot be verified)");
      }
      if (auto hp = url_host_port(url->url)) {
        if (auto why = probe.tcp_connect(hp->first, hp->second, kConnectTimeout)) {
          problems.push_back(who + url->url + " does not answer: " + *why);
        }
      }
    } else if (const auto* board = std::get_if<BoardBackend>(&d.config)) {
      if (auto hp = split_host_port(board->address)) {
        if (auto why = probe.tcp_connect(hp->first, hp->second, kConnectTimeout)) {
          problems.push_back(who + board->address + " does not answer: " + *why);
        }
      }
    }
    if (d.network && d.network->passphrase_env) {
      const auto value = probe.env(*d.network->passphrase_env);
      if (!value || value->empty()) {
        problems.push_back(who + "the router passphrase variable " + *d.network->passphrase_env +
                           " is not set");
      } else if (value->size() < 8 || value->size() > 63) {
        problems.push_back(who + *d.network->passphrase_env + " holds " + std::to_string(value->size()) +
                           " characters, not a WPA2 passphrase (8-63)");
      }
    }
  }
  return problems;
}

}  // namespace tapbench::rig
