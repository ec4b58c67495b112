// NetnsScope: the calling thread enters a named network namespace (/run/netns/NAME, as `ip netns add`
// makes it) for the scope's lifetime and returns to the namespace it was in when the scope ends. A socket
// belongs to the namespace its thread was in when the socket was created, and keeps it after the thread
// has left: a client made inside the scope talks from that namespace (the phone's requests on the radio
// lab go out of netns `phone`, over its wlan1 and the simulated air). setns(2) changes only the calling
// thread (CLONE_NEWNET is per thread); it needs CAP_SYS_ADMIN (root in the radio lab).
// An empty name is no scope at all (nothing changes). Throws WifiError kIo when the namespace cannot be
// opened or entered, saying which and why; never throws from the destructor (restoring a namespace the
// thread was in does not fail in practice: if it did, the process aborts rather than carry on in the
// wrong namespace).
#pragma once

#include <string>

namespace tapbench::wifi {

class NetnsScope {
 public:
  explicit NetnsScope(const std::string& netns);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

  bool active() const { return saved_fd_ >= 0; }

 private:
  int saved_fd_ = -1;
};

}  // namespace tapbench::wifi
