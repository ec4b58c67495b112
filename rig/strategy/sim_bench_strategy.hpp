// SimBenchStrategy (labgrid's "strategy"): brings a bench of emulated NFC, a local vendord and a local
// printerd into a known state and back down — the all-simulated bench (fixtures/benches/sim.yaml) and, with
// the radio lab's real daemons, the hwsim bench (fixtures/benches/hwsim.yaml, run inside the lab). It starts,
// in this order, each with its log in the strategy's folder:
//   1. pn532-sim with the phone reader's and the printer tag's links on one shared RF field, and its
//      control channel (tap(): the printer's card placed in / taken out of the field, docs/NFC-SIM.md);
//   2. vendord on a loopback port (SQLite file in the folder, lifetimes from the suite's `lifetimes.server`,
//      the bench's sim clock);
//   3. the radio side (BenchRadio, bench_radio.hpp, picked by the bench's radio devices): the home router —
//      a link-model access point in a directory-backed air printerd and the phone's station share (sim
//      bench), or the lab's hostapd, plus the printer GO's address (hwsim bench, hwsim_bench_radio.hpp);
//      it starts beside 1, 2 and 4 (its 350 ms of modelled air time overlap them) when the radio is the
//      link model and the printer holds no router credentials yet, else before 4;
//   4. printerd on the printer core: its tag on the printer link, --server the vendord
//      above, --radio from the radio side, lifetimes from `lifetimes.printer`, --sim-clock.
// Every readiness wait is bounded by the caller's deadline; stop() (and the destructor) always tears
// everything down in reverse order, and every child dies with the rig (rig/supervisor/child_process.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/clock/clock.hpp"
#include "rig/bench/bench.hpp"
#include "rig/suite/suite.hpp"
#include "server/api/tls_trust.hpp"
#include "sim/clock/sim_clock.hpp"

namespace tapbench::rig {

class ChildProcess;
class BenchRadio;

// The bench is not one this strategy can bring up (not pn532-sim + vendord + printerd with link-model radios
// or hostapd / wpa_supplicant radios in a radio lab).
class StrategyUnsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bench could not be brought into state: a process did not start or become ready in time. The
// message names the process and carries the tail of its log.
class StrategyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SimBenchEndpoints {
  std::string printer_url;      // printerd's JSON API base, http://127.0.0.1:PORT (https:// with TLS)
  std::string printer_ipp_uri;  // ipp://127.0.0.1:PORT/ipp/print (ipps:// with TLS)
  // With TLS to the printer (the bench's `tls`, printer_link_uses_tls()): its certificate, pinned by the
  // run's first TLS connection or by the bench's printer-cert-sha256, and the https trust that checks it.
  // Null for plain HTTP. Every client of the printer (JSON API and IPP) takes these.
  std::shared_ptr<server::CertificatePin> printer_pin;
  std::shared_ptr<const server::TlsTrust> printer_tls;
  // `phone-traffic: radio` (hwsim bench): the phone's network namespace, from which its printer clients
  // connect (printer_url / printer_ipp_uri are then printerd's address on the group); empty: loopback.
  std::string phone_netns;
  std::string server_url;               // vendord, http://127.0.0.1:PORT
  std::string phone_reader;             // libnfc connstring of the phone's reader, pn532_uart:PATH
  std::filesystem::path sim_clock;      // the --sim-clock file of printerd and vendord
  std::filesystem::path air;            // link model: the directory air (empty on the hwsim bench)
  std::string router_ssid;              // the router the bench declares
  std::string router_passphrase;        // its passphrase (a secret: never logged)
  std::filesystem::path printer_state;  // printerd's --state-dir (ptb.json, ink-sim.json)
};

struct SimBenchOptions {
  // Pages of vendord's one free charge per device (sim bench: few, so the quota runs out within a run).
  int free_pages = 5;
  // printerd offers a charge on its tag when printable pages <= this (S19, Fig 7).
  int page_threshold = 2;
  // printerd's ink-low threshold (percent, S19) and vendord's replacement-notice threshold.
  int ink_low_percent = 10;
};

class SimBenchStrategy {
 public:
  // Checks the bench's shape (StrategyUnsupported, saying what does not fit); starts nothing.
  SimBenchStrategy(const Bench& bench, const Lifetimes& lifetimes, std::filesystem::path dir,
                   const Clock& clock, SimBenchOptions options = {});
  // Stops everything, then removes from the run folder what held live secrets (scrub_secrets()).
  ~SimBenchStrategy();
  SimBenchStrategy(const SimBenchStrategy&) = delete;
  SimBenchStrategy& operator=(const SimBenchStrategy&) = delete;

  // Brings everything up (StrategyError on failure, after tearing down what had started).
  void start(MonotonicTime deadline);
  // Tears everything down; each process gets at most `grace` after SIGTERM. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(2));
  // Whether every process is still running; `why` names the first that is not.
  bool healthy(std::string* why = nullptr);

  // Crash/recover: printerd stopped (SIGKILL when `crash`, else SIGTERM) and started again on the same port
  // and state directory. factory_reset_printer(): the same with an empty state directory and a new device
  // ID (a new printer out of the box, unregistered, zero pages); the printer's TLS certificate (ssl/) is
  // kept, as a board keeps its identity, so the run's pinned certificate still holds.
  void restart_printer(MonotonicTime deadline, bool crash = false);
  void factory_reset_printer(MonotonicTime deadline);
  // Whether the bench's sim clock was advanced (or is frozen) since the running printerd booted, i.e. its
  // timers may lag sim time until its next tick; true when printerd is not running. A printer booted after
  // the last advance is as fresh as a restart would make it.
  bool printer_clock_moved_since_boot();
  // The server revokes the printer's ST (`vendord revoke-st` on vendord's database, beside the running
  // vendord): the printer's next server call is refused with 401 token_unknown. StrategyError on failure.
  void revoke_printer_st(MonotonicTime deadline);

  // The phone's reader in / out of the printer's RF field: the printer's card emulation chip is placed in
  // the shared field or removed from it (pn532-sim control channel). The field starts with it placed.
  void tap(bool in_field);
  // Sets one ink colour of the printer's simulated cartridges (ink-sim.json) — a cartridge swapped while
  // the printer is off: the printer core reads its ink sensor at start and after each printed page, not on
  // its tick, so printerd is restarted (same state) to take the reading. Nothing happens when the colour is
  // already at that level.
  void set_ink(const std::string& colour, double percent, MonotonicTime deadline);

  const SimBenchEndpoints& endpoints() const { return endpoints_; }
  // The radio side: the phone's station, the router (valid after start()).
  BenchRadio& radio() { return *radio_; }
  const SimBenchOptions& options() const { return options_; }
  const std::filesystem::path& dir() const { return dir_; }
  const std::string& device_id() const { return device_id_; }
  // What the strategy started, for a report: "pn532-sim pid 12, vendord pid 13 (port 4012), ...".
  std::string describe() const;
  // The process IDs of what is running now (pn532-sim, vendord, printerd), for tests and reports.
  std::vector<int> pids() const;

 private:
  void start_pn532(MonotonicTime deadline);
  void start_vendord(MonotonicTime deadline);
  void start_printerd(MonotonicTime deadline);
  void launch_printerd(MonotonicTime deadline);
  std::string next_device_id();
  // The run folder is an artefact (CI uploads it): at the end of the run, printerd's PTB (its server token
  // ST, PT bindings) and the run's vendord database go; logs and printed pages stay. Only what the strategy
  // put in the folder itself: a state directory or database the bench names is the lab's to keep.
  void scrub_secrets() noexcept;
  std::string control(const std::string& command);
  void wait_for_file(ChildProcess& child, const std::filesystem::path& file, MonotonicTime deadline,
                     std::string& content);

  const Clock& clock_;
  std::filesystem::path dir_;
  SimBenchOptions options_;
  Lifetimes lifetimes_;
  std::string phone_link_name_, printer_link_name_;
  std::string vendord_binary_, printerd_binary_, vendord_db_;
  int vendord_port_ = 0, printerd_port_ = 0;
  int configured_printerd_port_ = 0;
  bool owns_printer_state_ = false, owns_vendord_db_ = false;
  bool printer_tls_ = false;                // printerd --tls on, https:// and ipps:// (printer_link_uses_tls)
  std::string printer_host_ = "127.0.0.1";  // where the phone reaches printerd (the GO address with radio)
  bool radio_traffic_ = false;              // phone-traffic: radio
  std::string device_id_;
  std::filesystem::path control_socket_;
  SimBenchEndpoints endpoints_;
  std::unique_ptr<ChildProcess> pn532_, vendord_, printerd_;
  std::unique_ptr<BenchRadio> radio_;
  std::unique_ptr<sim::SimClock> sim_clock_;  // the bench's sim clock, read (never moved) by the strategy
  std::chrono::nanoseconds printer_boot_offset_{};  // its offset when printerd last started
};

}  // namespace tapbench::rig
