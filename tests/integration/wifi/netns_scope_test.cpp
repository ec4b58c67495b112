// NetnsScope (drivers/wifi/netns_scope.hpp) against a real network namespace made with `ip netns add`:
// a socket created inside the scope belongs to that namespace (a listener there is unreachable from the
// thread's own namespace and reachable again from inside), the thread returns to its namespace when the
// scope ends, and bad or missing names are refused naming them. Needs root (CI runs as root).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "drivers/wifi/child_process.hpp"
#include "drivers/wifi/netns_scope.hpp"
#include "drivers/wifi/wifi_error.hpp"

using namespace tapbench::wifi;
using std::chrono::seconds;

namespace {

ino_t thread_netns() {
  struct stat st {};
  REQUIRE(::stat("/proc/thread-self/ns/net", &st) == 0);
  return st.st_ino;
}

// A namespace of the test's own, with its loopback up; removed again at the end.
struct TestNetns {
  std::string name = "tb-scope-" + std::to_string(::getpid());
  TestNetns() {
    (void)run_bounded({"ip", "netns", "del", name}, seconds(5));
    const auto added = run_bounded({"ip", "netns", "add", name}, seconds(5));
    REQUIRE_MESSAGE(added.exit_status == 0, added.output);
    const auto up = run_bounded({"ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"}, seconds(5));
    REQUIRE_MESSAGE(up.exit_status == 0, up.output);
  }
  ~TestNetns() { (void)run_bounded({"ip", "netns", "del", name}, seconds(5)); }
};

// A TCP connect to 127.0.0.1:port from a socket made now (in the thread's current namespace).
bool connects(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

TEST_CASE("a socket made inside the scope lives in that namespace; the thread comes back") {
  TestNetns ns;
  const ino_t home = thread_netns();
  int listener = -1;
  int port = 0;
  {
    NetnsScope scope(ns.name);
    CHECK(scope.active());
    CHECK(thread_netns() != home);
    listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
    REQUIRE(::listen(listener, 4) == 0);
    socklen_t len = sizeof at;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&at), &len) == 0);
    port = ntohs(at.sin_port);
  }
  CHECK(thread_netns() == home);
  CHECK_FALSE(connects(port));  // the listener's loopback is the namespace's, not ours
  {
    NetnsScope scope(ns.name);
    CHECK(connects(port));
  }
  CHECK(thread_netns() == home);
  ::close(listener);
}

TEST_CASE("no name: no scope; a path or a missing namespace is refused naming it") {
  const ino_t home = thread_netns();
  {
    NetnsScope none("");
    CHECK_FALSE(none.active());
    CHECK(thread_netns() == home);
  }
  try {
    NetnsScope bad("../x");
    FAIL("a path was accepted");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kBadArgument);
    CHECK(std::string(e.what()).find("'../x'") != std::string::npos);
  }
  try {
    NetnsScope missing("tb-no-such-netns");
    FAIL("a missing namespace was entered");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kIo);
    CHECK(std::string(e.what()).find("/run/netns/tb-no-such-netns") != std::string::npos);
  }
  CHECK(thread_netns() == home);
}
