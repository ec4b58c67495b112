// `tapbench run --bench hwsim …` on the host: the bench's radios are real hostapd / wpa_supplicant on
// mac80211_hwsim radios inside the radio-lab VM (sim/radio-lab), and so are the parties that must share
// their air (printerd's P2P group and station, the phone's station). The host's tapbench therefore boots
// the lab, runs the same command inside it (tapbench, printerd, vendord and pn532-sim go in with --bin),
// shows the inner run's progress lines while it runs and brings the run folder back into the host's run
// folder; the exit status is the inner tapbench's. Inside the lab (RADIO_ROUTER_CTRL set) nothing of this
// happens: the run goes on in-process.
//
// Where things are found (each can be overridden):
//   the radio-lab script: $TAPBENCH_RADIO_LAB_SCRIPT; the source tree this tapbench was built from
//     (<src>/sim/radio-lab/radio-lab); the installed copy (<datadir>/tapbench/radio-lab/radio-lab)
//   the image cache:      $TAPBENCH_RADIO_LAB_CACHE; <build>/radio-lab when this tapbench runs from its
//     build tree (shared with the ctests); else $XDG_CACHE_HOME/tapbench/radio-lab (~/.cache/…)
//   the VM's deadline:    the caller's (tapbench run --lab-timeout; default 15 min)
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "rig/bench/bench.hpp"

namespace tapbench::rig {

class RadioLabError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The radio-lab device of a bench whose radios (phone, printer, router) are daemons in it; nullptr when the
// bench has none (the run stays in this process).
const Device* radio_lab_device(const Bench& bench);
// Whether this process runs inside a radio lab with its bench up (radio-lab-up's RADIO_ROUTER_CTRL).
bool inside_radio_lab();

struct RadioLabLocation {
  std::filesystem::path script;         // sim/radio-lab/radio-lab
  std::filesystem::path cache;          // its --cache DIR
  std::string script_from, cache_from;  // how each was found, for the progress line
};
// RadioLabError naming what was tried when the script is nowhere.
RadioLabLocation locate_radio_lab();

struct RadioLabRun {
  // tapbench's arguments inside the lab: "run" / "soak" and its options, without --out.
  std::vector<std::string> tapbench_args;
  // Files the inner command reads (a bench or suite file given as a path): copied into the share as
  // <name>; the argument that named them must already say /share/<name>.
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  // Environment variables the inner run needs (a router's passphrase-env): handed to the guest through a
  // 0600 file in the share that the guest reads and deletes before tapbench starts (the host deletes it
  // too when the VM is done); values never appear on a command line or in a log.
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path run_dir;  // the host's run folder (prepared, empty)
  std::chrono::seconds vm_deadline{900};
  const QemuHwsimBackend* lab = nullptr;  // accel and memory of the bench's radio-lab device
};

// Boots the lab, runs tapbench inside and brings the run folder back. Returns the inner tapbench's exit
// status; RadioLabError (with what to do) when qemu or the image is unavailable, the VM does not finish in
// time, or no run folder comes back. Progress goes to `progress`.
// When `interrupted` becomes true (Ctrl-C) the run inside is asked to stop cleanly (SIGINT to the guest's
// tapbench, which tears down and writes its reports) and the run folder still comes back (the inner exit
// status, 130); the VM is killed after 60 s, or at once when `kill_now` becomes true (a second Ctrl-C).
int run_in_radio_lab(const RadioLabRun& run, std::ostream& progress,
                     const std::atomic<bool>* interrupted = nullptr,
                     const std::atomic<bool>* kill_now = nullptr);

}  // namespace tapbench::rig
