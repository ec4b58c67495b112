#include "drivers/wifi/netns_scope.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

NetnsScope::NetnsScope(const std::string& netns) {
  if (netns.empty()) return;
  if (netns.find('/') != std::string::npos || netns == "." || netns == "..") {
    throw WifiError(WifiErrc::kBadArgument, "network namespace '" + netns + "': a name, not a path");
  }
  const std::string path = "/run/netns/" + netns;
  const int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    throw WifiError(WifiErrc::kIo,
                    "network namespace '" + netns + "': cannot open " + path + ": " + std::strerror(errno));
  }
  const int saved = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved < 0) {
    const int e = errno;
    ::close(target);
    throw WifiError(WifiErrc::kIo,
                    "cannot open this thread's network namespace: " + std::string(std::strerror(e)));
  }
  if (::setns(target, CLONE_NEWNET) != 0) {
    const int e = errno;
    ::close(target);
    ::close(saved);
    throw WifiError(WifiErrc::kIo, "cannot enter network namespace '" + netns + "': " + std::strerror(e) +
                                       (e == EPERM ? " (needs CAP_SYS_ADMIN: run as root)" : ""));
  }
  ::close(target);
  saved_fd_ = saved;
}

NetnsScope::~NetnsScope() {
  if (saved_fd_ < 0) return;
  if (::setns(saved_fd_, CLONE_NEWNET) != 0) std::abort();  // never go on in the wrong namespace
  ::close(saved_fd_);
}

}  // namespace tapbench::wifi
