// tapbench-wpa-ctrl-relay --map PORT=CTRL_SOCKET [--map …] [--bind ADDR]
// Serves hostapd / wpa_supplicant control sockets over TCP (see ctrl_relay.hpp) until SIGTERM / SIGINT.
#include <signal.h>

#include <cstring>
#include <iostream>

#include "drivers/wifi/ctrl_relay.hpp"
#include "drivers/wifi/wifi_error.hpp"

namespace {

tapbench::wifi::CtrlRelay* g_relay = nullptr;

void on_signal(int) {
  if (g_relay) g_relay->stop();
}

int usage(int code) {
  (code ? std::cerr : std::cout)
      << "usage: tapbench-wpa-ctrl-relay --map PORT=CTRL_SOCKET [--map ...] [--bind ADDR]\n"
         "Forwards each TCP connection on PORT to the hostapd/wpa_supplicant control socket CTRL_SOCKET\n"
         "(4-byte big-endian length + message framing; one client socket per connection). Default bind\n"
         "address 0.0.0.0. Prints 'relay PORT -> CTRL_SOCKET' per mapping, then serves until SIGTERM.\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<tapbench::wifi::RelayMapping> maps;
  std::string bind = "0.0.0.0";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") return usage(0);
    if ((a == "--map" || a == "--bind") && i + 1 < argc) {
      std::string v = argv[++i];
      if (a == "--bind") {
        bind = v;
        continue;
      }
      auto eq = v.find('=');
      int port = -1;
      try {
        port = eq == std::string::npos ? -1 : std::stoi(v.substr(0, eq));
      } catch (const std::exception&) {
        port = -1;
      }
      if (port < 0 || port > 65535 || eq + 1 >= v.size()) {
        std::cerr << "tapbench-wpa-ctrl-relay: bad --map '" << v << "' (want PORT=CTRL_SOCKET)\n";
        return 2;
      }
      maps.push_back({port, v.substr(eq + 1)});
      continue;
    }
    std::cerr << "tapbench-wpa-ctrl-relay: unknown argument '" << a << "'\n";
    return usage(2);
  }
  if (maps.empty()) return usage(2);
  try {
    tapbench::wifi::CtrlRelay relay(maps, bind);
    g_relay = &relay;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    for (std::size_t i = 0; i < maps.size(); ++i) {
      std::cout << "relay " << relay.port(i) << " -> " << maps[i].ctrl_path << std::endl;
    }
    relay.run();
    g_relay = nullptr;
  } catch (const tapbench::wifi::WifiError& e) {
    std::cerr << "tapbench-wpa-ctrl-relay: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
