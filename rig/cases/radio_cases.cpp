#include "rig/cases/radio_cases.hpp"

#include <array>
#include <cstdint>
#include <span>

#include "protocol/token/generate.hpp"
#include "rig/cases/radio_bench.hpp"

namespace tapbench::rig {
namespace {

using std::chrono::milliseconds;
using wifi::LinkPhase;
using wifi::WifiErrc;
using wifi::WifiError;

// The printer's group lives on channel 1 (the router on the bench's channel), as in the lab's scene.
constexpr int kGroupFreq = 2412;
// The Wi-Fi Direct group's pool: printerd's default --wfd-subnet.
const wifi::DhcpPool kGroupPool{"192.168.49.1/24", "192.168.49.10", "192.168.49.50", "255.255.255.0"};
const wifi::DhcpPool kRouterPool{};  // 192.168.77.1/24

std::string random_hex(std::size_t bytes) {
  std::array<std::uint8_t, 32> b{};
  if (bytes > b.size() || !token::openssl_random(std::span(b.data(), bytes)))
    throw BenchError("random-failure", "no random bytes from OpenSSL's CSPRNG");
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

// A fresh group credential, like the printer makes at boot (S13): DIRECT-xy-… and a random passphrase.
wifi::WifiCredentials fresh_group() {
  return {"DIRECT-tb-" + random_hex(3), random_hex(12)};
}

// What the address notes say when the roles are reached through the tcp: relay.
constexpr const char* kNoDhcp = "not measured: DHCP needs the interface (roles reached over the tcp: relay)";

// No pool when DHCP cannot run (relayed roles): the AP / GO come up without a server.
std::optional<wifi::DhcpPool> pool_if(bool dhcp, const wifi::DhcpPool& p) {
  return dhcp ? std::optional<wifi::DhcpPool>(p) : std::nullopt;
}

milliseconds ms_left(const CycleContext& c, milliseconds cap) {
  const auto left = std::chrono::duration_cast<milliseconds>(c.remaining());
  return std::max(milliseconds(1), std::min(left, cap));
}

// Marks `phase` at the stamp of `which` in `phases` (the instant the daemon's event was read), or now.
void mark_stamp(CycleContext& c, std::string_view phase, const std::vector<wifi::PhaseStamp>& phases,
                LinkPhase which) {
  const auto at = wifi::first_of(phases, which);
  c.mark_at(phase, at ? std::min(*at, c.clock().monotonic_now()) : c.clock().monotonic_now());
}

std::string detail_of(const std::vector<wifi::PhaseStamp>& phases, LinkPhase which) {
  for (const auto& p : phases)
    if (p.phase == which) return p.detail;
  return "";
}

// Takes every radio down, best effort (the next cycle starts from an empty air).
void quiet(RadioRoles& r) {
  auto attempt = [](auto&& f) {
    try {
      f();
    } catch (const std::exception&) {
      // A daemon that is gone has nothing left to stop; the next start reports it.
    }
  };
  if (r.phone) attempt([&] { r.phone->leave(); });
  if (r.printer_station) attempt([&] { r.printer_station->leave(); });
  if (r.printer_group) attempt([&] { r.printer_group->stop(); });
  if (r.router) attempt([&] { r.router->stop(); });
}

class RadioCaseBase : public Case {
 public:
  RadioCaseBase(const CaseEnvironment& env, wifi::WaitUntil wait) : env_(env), wait_(std::move(wait)) {}

  void setup(StepContext& step) override {
    roles_ = make_radio_roles(env_.bench, step.clock(), wait_);
    std::string why;
    auto router = router_credentials(env_.bench, router_channel_, why);
    if (!router) throw BenchError("bench-config", why);
    router_ = *router;
    step.secret(router_.passphrase);
    quiet(roles_);
  }
  void recover(StepContext&) override { quiet(roles_); }
  void teardown(StepContext&) override { quiet(roles_); }

 protected:
  void note_backend(CycleContext& c) const {
    c.note("radio.backend", std::string(wifi::to_string(roles_.backend)));
  }

  const CaseEnvironment& env_;
  wifi::WaitUntil wait_;
  RadioRoles roles_;
  wifi::WifiCredentials router_;
  int router_channel_ = 6;
};

// --- radio-handover
// -------------------------------------------------------------------------------------------

class RadioHandoverCase final : public RadioCaseBase {
 public:
  using RadioCaseBase::RadioCaseBase;

  void run_cycle(CycleContext& c) override {
    note_backend(c);
    struct Quiet {
      RadioRoles& r;
      ~Quiet() { quiet(r); }
    } at_end{roles_};

    wifi::ApUp ap;
    try {
      ap = roles_.router->start({router_, router_channel_, pool_if(roles_.dhcp, kRouterPool)},
                                ms_left(c, milliseconds(10'000)));
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kBench, "router AP start");
    }
    mark_stamp(c, "router_up", ap.phases, LinkPhase::kApEnabled);

    const auto group = fresh_group();
    c.secret(group.passphrase);
    wifi::GoUp go;
    try {
      go = roles_.printer_group->start({group, kGroupFreq, pool_if(roles_.dhcp, kGroupPool)},
                                       ms_left(c, milliseconds(10'000)));
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kSystemUnderTest, "printer P2P group start");
    }
    mark_stamp(c, "group_up", go.phases, LinkPhase::kGroupStarted);

    // S23: the phone joins with the credentials (and channel) the printer announces.
    wifi::Joined phone;
    try {
      phone = roles_.phone->join(
          {group, kGroupFreq, ms_left(c, milliseconds(20'000)), roles_.dhcp, milliseconds(10'000)});
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kSystemUnderTest, "phone joins the printer's group");
    }
    mark_stamp(c, "phone_scan", phone.phases, LinkPhase::kScanResults);
    mark_stamp(c, "phone_associated", phone.phases, LinkPhase::kAssociated);
    mark_stamp(c, "phone_connected", phone.phases, LinkPhase::kConnected);
    if (roles_.dhcp) {
      mark_stamp(c, "phone_ip", phone.phases, LinkPhase::kIpAddress);
      c.note("phone.ip", phone.ip_address);
    } else {
      c.note("phone.ip", kNoDhcp);
    }
    c.note("phone.connected", detail_of(phone.phases, LinkPhase::kConnected));
    try {
      const auto seen = roles_.printer_group->wait_station(ms_left(c, milliseconds(5'000)));
      c.mark("go_saw_phone");
      c.note("go.station", seen.mac);
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kSystemUnderTest, "the printer's group reports the phone");
    }

    // S29: the printer joins the router with the handed-over credentials.
    wifi::Joined printer;
    try {
      printer =
          roles_.printer_station->join({router_, wifi::channel_to_freq_mhz(router_channel_),
                                        ms_left(c, milliseconds(20'000)), roles_.dhcp, milliseconds(10'000)});
    } catch (const WifiError& e) {
      // Refusing the right passphrase is the printer's fault; a router that is not there is the bench's.
      throw wifi_outcome(
          e, e.code() == WifiErrc::kWrongPassphrase ? WifiParty::kSystemUnderTest : WifiParty::kBench,
          "printer joins the router");
    }
    mark_stamp(c, "printer_connected", printer.phases, LinkPhase::kConnected);
    if (roles_.dhcp) {
      mark_stamp(c, "printer_ip", printer.phases, LinkPhase::kIpAddress);
      c.note("printer.ip", printer.ip_address);
    } else {
      c.note("printer.ip", kNoDhcp);
    }
    try {
      roles_.router->wait_station(ms_left(c, milliseconds(5'000)));
      c.mark("router_saw_printer");
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kBench, "the router reports the printer");
    }
  }
};

// --- radio-faults
// ---------------------------------------------------------------------------------------------

// Runs `f`, which must fail with `expected`: notes the class the runner records for it, marks `phase`.
template <class F>
void expect_fault(CycleContext& c, std::string_view phase, const std::string& what, WifiErrc expected,
                  WifiParty party, F&& f) {
  try {
    f();
  } catch (const WifiError& e) {
    if (e.code() == expected) {
      const CaseOutcome counted = wifi_outcome(e, party, what);
      c.note(what, std::string(to_string(counted.outcome())) + " " + counted.failure_class());
      c.mark(phase);
      return;
    }
    if (e.code() == WifiErrc::kDaemonGone || e.code() == WifiErrc::kNoDaemon)
      throw wifi_outcome(e, WifiParty::kBench, what);
    throw CaseFailure("wifi-fault-misclassified",
                      what + ": expected " + std::string(wifi::to_string(expected)) + ", got " +
                          std::string(wifi::to_string(e.code())) + ": " + e.what());
  }
  throw CaseFailure("wifi-fault-not-detected",
                    what + ": succeeded, expected " + std::string(wifi::to_string(expected)));
}

class RadioFaultsCase final : public RadioCaseBase {
 public:
  using RadioCaseBase::RadioCaseBase;

  void run_cycle(CycleContext& c) override {
    note_backend(c);
    struct Quiet {
      RadioRoles& r;
      ~Quiet() { quiet(r); }
    } at_end{roles_};

    const auto group = fresh_group();
    c.secret(group.passphrase);
    wifi::GoUp go;
    try {  // no DHCP server on the group: the second fault
      go = roles_.printer_group->start({group, kGroupFreq, std::nullopt}, ms_left(c, milliseconds(10'000)));
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kSystemUnderTest, "printer P2P group start");
    }
    mark_stamp(c, "group_up", go.phases, LinkPhase::kGroupStarted);

    // A passphrase off by its last character: the 4-way handshake fails.
    auto wrong = group;
    wrong.passphrase.back() = wrong.passphrase.back() == '0' ? '1' : '0';
    expect_fault(c, "wrong_passphrase_refused", "fault.handshake", WifiErrc::kWrongPassphrase,
                 WifiParty::kSystemUnderTest, [&] {
                   roles_.phone->join({wrong, kGroupFreq, ms_left(c, milliseconds(15'000))});
                 });
    // The right passphrase, but the group hands out no address.
    if (roles_.dhcp) {
      expect_fault(c, "dhcp_failure_reported", "fault.dhcp", WifiErrc::kDhcpFailed,
                   WifiParty::kSystemUnderTest, [&] {
                     roles_.phone->join(
                         {group, kGroupFreq, ms_left(c, milliseconds(15'000)), true, milliseconds(2'000)});
                   });
    } else {
      c.note("fault.dhcp", kNoDhcp);
    }
    quiet(roles_);

    // The router goes off the air under the printer's station.
    wifi::ApUp ap;
    try {
      ap = roles_.router->start({router_, router_channel_}, ms_left(c, milliseconds(10'000)));
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kBench, "router AP start");
    }
    mark_stamp(c, "router_up", ap.phases, LinkPhase::kApEnabled);
    const int freq = wifi::channel_to_freq_mhz(router_channel_);
    try {
      auto in = roles_.printer_station->join({router_, freq, ms_left(c, milliseconds(20'000))});
      mark_stamp(c, "printer_connected", in.phases, LinkPhase::kConnected);
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kBench, "printer joins the router");
    }
    try {
      roles_.router->stop();
    } catch (const WifiError& e) {
      throw wifi_outcome(e, WifiParty::kBench, "router AP stop");
    }
    c.mark("router_gone");
    expect_fault(c, "ap_gone_reported", "fault.ap-gone", WifiErrc::kNetworkNotFound, WifiParty::kBench, [&] {
      roles_.printer_station->join({router_, freq, ms_left(c, milliseconds(3'000))});
    });
  }
};

}  // namespace

CaseInfo radio_handover_info() {
  return {"radio-handover",
          "Radio scene: router AP and printer P2P group up, the phone joins the group and the printer the "
          "router, each with a DHCP lease",
          "S13, S23, S29 (Wi-Fi Direct group, router join)",
          {"router_up", "group_up", "phone_scan", "phone_associated", "phone_connected", "phone_ip",
           "go_saw_phone", "printer_connected", "printer_ip", "router_saw_printer"},
          {Role::kRouter, Role::kPhoneRadio, Role::kPrinterRadio}};
}

std::unique_ptr<Case> make_radio_handover_case(const CaseEnvironment& env) {
  return std::make_unique<RadioHandoverCase>(env, wifi::WaitUntil{});
}

CaseInfo radio_faults_info() {
  return {"radio-faults",
          "Radio faults as typed errors: wrong passphrase, no DHCP lease, router gone from the air",
          "S23, S29 (failure paths)",
          {"group_up", "wrong_passphrase_refused", "dhcp_failure_reported", "router_up", "printer_connected",
           "router_gone", "ap_gone_reported"},
          {Role::kRouter, Role::kPhoneRadio, Role::kPrinterRadio}};
}

std::unique_ptr<Case> make_radio_faults_case(const CaseEnvironment& env) {
  return std::make_unique<RadioFaultsCase>(env, wifi::WaitUntil{});
}

std::unique_ptr<Case> make_radio_case_waiting(const std::string& id, const CaseEnvironment& env,
                                              wifi::WaitUntil wait) {
  if (id == "radio-handover") return std::make_unique<RadioHandoverCase>(env, std::move(wait));
  if (id == "radio-faults") return std::make_unique<RadioFaultsCase>(env, std::move(wait));
  throw std::invalid_argument("no radio case '" + id + "'");
}

}  // namespace tapbench::rig
