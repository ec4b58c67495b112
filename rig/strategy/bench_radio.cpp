#include "rig/strategy/bench_radio.hpp"

#include <cstdlib>
#include <thread>
#include <variant>

#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/wifi_error.hpp"
#include "rig/strategy/hwsim_bench_radio.hpp"
#include "rig/strategy/sim_bench_strategy.hpp"

namespace tapbench::rig {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

milliseconds left_until(const Clock& clock, MonotonicTime deadline) {
  const auto d = std::chrono::duration_cast<milliseconds>(deadline - clock.monotonic_now());
  return std::max(milliseconds(1), d);
}

// The sim bench's radios: the router is a link-model access point the rig runs in a directory-backed air
// (DIR/air) that printerd (--radio link-model:DIR/air) and the phone's station share.
class LinkModelBenchRadio final : public BenchRadio {
 public:
  LinkModelBenchRadio(const Clock& clock, fs::path air_dir, wifi::WifiCredentials router, int channel)
      : clock_(clock), air_dir_(std::move(air_dir)), router_network_(std::move(router)), channel_(channel) {}
  ~LinkModelBenchRadio() override { stop(); }

  std::string backend() const override { return "link-model"; }

  void start(MonotonicTime deadline) override {
    try {
      air_ = std::make_unique<wifi::LinkModelAir>(air_dir_);
      router_ = std::make_unique<wifi::LinkModelAccessPoint>(*air_, clock_, wifi::sleep_on(clock_));
      router_->start({router_network_, channel_}, left_until(clock_, deadline));
    } catch (const wifi::WifiError& e) {
      throw StrategyError(std::string("the router (link model) did not come up: ") + e.what());
    }
  }

  void stop() override {
    phone_.reset();
    if (router_) router_->stop();
    router_.reset();
    air_.reset();
  }

  std::string printerd_radio() const override { return "link-model:" + air_dir_.string(); }

  wifi::Joined phone_join(const wifi::WifiCredentials& credentials, int freq_mhz,
                          milliseconds timeout) override {
    if (!air_) throw wifi::WifiError(wifi::WifiErrc::kBadArgument, "the bench's radio is not started");
    phone_ = std::make_unique<wifi::LinkModelStation>(*air_, clock_, wifi::sleep_on(clock_),
                                                      wifi::LinkModelTiming{}, "02:00:00:00:aa:01");
    return phone_->join({credentials, freq_mhz, timeout});
  }

  void phone_leave() override {
    try {
      if (phone_) phone_->leave();
    } catch (const wifi::WifiError&) {
      // the group went away first: nothing to leave
    }
    phone_.reset();
  }

  void forget_router_joins() override {}

  std::optional<wifi::StationJoined> printer_joined_router(const Clock& clock,
                                                           MonotonicTime deadline) override {
    for (;;) {
      if (air_) {
        const auto net = air_->find(router_network_.ssid, std::nullopt);
        if (net && !net->stations.empty()) {
          return wifi::StationJoined{
              net->stations.front(),
              {wifi::LinkPhase::kConnected, clock.monotonic_now(), "link-model: joined"}};
        }
      }
      if (clock.monotonic_now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(milliseconds(10));  // polling the shared air, bounded by the deadline
    }
  }

  std::string describe() const override { return "link-model air " + air_dir_.string(); }

 private:
  const Clock& clock_;
  fs::path air_dir_;
  wifi::WifiCredentials router_network_;
  int channel_;
  std::unique_ptr<wifi::LinkModelAir> air_;
  std::unique_ptr<wifi::LinkModelAccessPoint> router_;
  std::unique_ptr<wifi::LinkModelStation> phone_;
};

bool is_link_model(const Device* d) {
  return d && std::holds_alternative<LinkModelBackend>(d->config);
}

// hostapd / wpa_supplicant in a radio lab (`radio-lab: NAME`).
bool in_radio_lab(const Device* d) {
  if (!d) return false;
  if (const auto* h = std::get_if<HostapdBackend>(&d->config)) return h->radio_lab.has_value();
  if (const auto* s = std::get_if<WpaSupplicantBackend>(&d->config)) return s->radio_lab.has_value();
  return false;
}

}  // namespace

wifi::WifiCredentials bench_router_network(const Bench& bench, int& channel) {
  const Device* router = bench.device_for(Role::kRouter);
  if (!router) throw StrategyUnsupported("bench '" + bench.name + "' binds no device to role 'router'");
  if (!router->network) throw StrategyUnsupported("the router device '" + router->name + "' has no network");
  const Network& n = *router->network;
  channel = n.channel;
  if (n.passphrase) return {n.ssid, *n.passphrase};
  if (n.passphrase_env) {
    const char* v = std::getenv(n.passphrase_env->c_str());
    if (!v) throw StrategyUnsupported("the router passphrase variable " + *n.passphrase_env + " is not set");
    return {n.ssid, v};
  }
  throw StrategyUnsupported("the router network of '" + router->name + "' has no passphrase");
}

std::unique_ptr<BenchRadio> make_bench_radio(const Bench& bench, const Clock& clock, const fs::path& dir) {
  const Device* phone = bench.device_for(Role::kPhoneRadio);
  const Device* printer = bench.device_for(Role::kPrinterRadio);
  const Device* router = bench.device_for(Role::kRouter);
  for (auto [d, role] : {std::pair{phone, Role::kPhoneRadio}, std::pair{printer, Role::kPrinterRadio},
                         std::pair{router, Role::kRouter}}) {
    if (!d)
      throw StrategyUnsupported("bench '" + bench.name + "' binds no device to role '" +
                                std::string(to_string(role)) + "'");
  }
  int channel = 6;
  wifi::WifiCredentials network = bench_router_network(bench, channel);
  if (is_link_model(phone) && is_link_model(printer) && is_link_model(router))
    return std::make_unique<LinkModelBenchRadio>(clock, dir / "air", std::move(network), channel);
  if (in_radio_lab(phone) && in_radio_lab(printer) && in_radio_lab(router))
    return std::make_unique<HwsimBenchRadio>(bench, clock, std::move(network), channel);
  throw StrategyUnsupported("the radios (phone '" + phone->name + "' " + phone->backend + ", printer '" +
                            printer->name + "' " + printer->backend + ", router '" + router->name + "' " +
                            router->backend +
                            ") are neither all link-model nor hostapd / wpa_supplicant in a radio lab");
}

}  // namespace tapbench::rig
