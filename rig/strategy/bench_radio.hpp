// The radio half of a bench strategy (labgrid's layering: the strategy brings the bench into a state; this
// is the part of that state that is Wi-Fi). SimBenchStrategy starts pn532-sim, vendord and printerd the same
// way on every bench it handles and asks its BenchRadio for the rest:
//   - the home router (started by start(), stopped by stop());
//   - printerd's --radio argument (how the printer reaches its P2P group owner and station);
//   - the phone's station joining the group the printer announced on its tag (the flow cases' carrier_up);
//   - whether the printer's station has joined the router (S29, printer_on_lan).
// Backends, picked from the bench's radio devices by make_bench_radio():
//   LinkModelBenchRadio (bench_radio.cpp)  all radios `link-model`: drivers/wifi's modelled air in a
//                                          directory printerd shares (--radio link-model:DIR)
//   HwsimBenchRadio (hwsim_bench_radio.*)  hostapd / wpa_supplicant devices in a radio lab: the real daemons
//                                          radio-lab-up started (RADIO_* environment), printerd on
//                                          --radio hostap:… (docs/RADIO-LAB.md)
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "drivers/wifi/access_point.hpp"
#include "drivers/wifi/credentials.hpp"
#include "drivers/wifi/station.hpp"
#include "protocol/clock/clock.hpp"
#include "rig/bench/bench.hpp"

namespace tapbench::rig {

class BenchRadio {
 public:
  virtual ~BenchRadio() = default;

  // "link-model" or "hostap" (the run record's radio.backend note).
  virtual std::string backend() const = 0;
  // Brings the router (and what the backend needs before printerd starts) up. StrategyError on failure.
  virtual void start(MonotonicTime deadline) = 0;
  // Takes the router down. Idempotent, never throws.
  virtual void stop() = 0;
  // Before each printerd start: the printer's radio as a printer out of the box finds it (hwsim: no group
  // left on its P2P device by a killed predecessor, its station on no network). StrategyError on failure.
  virtual void reset_printer_radio(MonotonicTime /*deadline*/) {}
  // printerd's --radio argument. Valid after start().
  virtual std::string printerd_radio() const = 0;
  // Whether printerd's --wfd-subnet must admit the rig's loopback requests (they stand for the phone's
  // requests over the group's link: the rig talks HTTP/IPP to printerd on 127.0.0.1).
  virtual bool phone_requests_on_loopback() const { return true; }
  // For `phone-traffic: radio` (bench.hpp PhoneTraffic): the network namespace the phone's printer
  // connections leave from, and printerd's address on its Wi-Fi Direct group with the group's subnet (its
  // --wfd-subnet). Empty where the phone has no namespace of its own (the link model): no radio traffic.
  virtual std::string phone_netns() const { return {}; }
  virtual std::string printer_group_address() const { return {}; }
  virtual std::string printer_group_subnet() const { return {}; }
  // Whether the phone is still on the network of its last phone_join() (its daemon says so: a group the
  // printer took down is gone), bounded by `timeout`. Default: never (no radio traffic).
  virtual bool phone_on_joined_network(std::chrono::milliseconds /*timeout*/) { return false; }

  // The phone joins the printer's group with what it read over NFC; the phases are the backend's (daemon
  // events on hostap, `link-model: …` on the model). Throws wifi::WifiError (with the phases reached).
  virtual wifi::Joined phone_join(const wifi::WifiCredentials& credentials, int freq_mhz,
                                  std::chrono::milliseconds timeout) = 0;
  // The phone leaves the group again (each cycle joins anew). Never throws.
  virtual void phone_leave() = 0;
  // Forgets router joins seen so far (before a hand-over whose join printer_joined_router() is to report).
  virtual void forget_router_joins() = 0;
  // The printer's station joining the router (S29): the router's report of a station that completed its
  // handshake, waited for until `deadline`; nullopt when none came.
  virtual std::optional<wifi::StationJoined> printer_joined_router(const Clock& clock,
                                                                   MonotonicTime deadline) = 0;
  // For a report: "link-model air DIR" / "hostap: router tapbench-home on …, printer GO 46:…".
  virtual std::string describe() const = 0;
};

// The router network the bench declares (its passphrase from the file or its environment variable).
// StrategyUnsupported when there is none.
wifi::WifiCredentials bench_router_network(const Bench& bench, int& channel);

// The BenchRadio for this bench's radio devices, with its files in `dir` (the strategy's folder).
// StrategyUnsupported (saying what does not fit) when the radios are neither all link-model nor hostapd /
// wpa_supplicant in a radio lab.
std::unique_ptr<BenchRadio> make_bench_radio(const Bench& bench, const Clock& clock,
                                             const std::filesystem::path& dir);

}  // namespace tapbench::rig
