// The case catalogue of issue 6: every case's ID, title, patent steps, phases (DESIGN §6) and bench roles.
// rig/runner cannot depend on rig/cases, so the catalogue is listed here without factories (add_planned);
// tapbench's registry (rig/cases/builtin_cases.cpp, make_case_registry) replaces every entry with its
// runnable case. The reason below is what a registry without rig/cases (the runner's own tests) shows.
#include "rig/runner/case_registry.hpp"

namespace tapbench::rig {
namespace {

const std::vector<Role> kFullBench = {Role::kPhoneReader, Role::kPhoneRadio, Role::kRouter, Role::kServer,
                                      Role::kPrinter};
const std::string kNeedsParties =
    "catalogue entry only: this registry was built without rig/cases (make_case_registry registers the case)";

}  // namespace

CaseRegistry make_builtin_registry() {
  CaseRegistry r;
  r.add_planned(
      {"provisioning",
       "Tap a new printer, join its Wi-Fi Direct group, hand over the router, PT, registration, SVT, "
       "free charge, sync",
       "S11-S115, Figs 4-6",
       {"field_on", "target_found", "ndef_read", "wifi_scan", "wifi_associated", "carrier_up", "wifi_ip",
        "auth_ok", "router_handover", "printer_on_lan", "pt_issued", "registered", "svt_issued", "charged",
        "synced"},
       kFullBench},
      kNeedsParties);
  r.add_planned(
      {"second-tap",
       "A second terminal taps: exchange URL when ink is low, else charge URL when pages are low; the "
       "page opens with the SVT",
       "S43-S49, S116-S119, Fig 7",
       {"field_on", "target_found", "ndef_read", "svt_issued", "page_opened"},
       kFullBench},
      kNeedsParties);
  r.add_planned({"tap-to-print",
                 "Tap to print over Wi-Fi Direct with the PWT: quota decremented, refused at zero",
                 "S120-S125, Fig 8",
                 {"field_on", "target_found", "ndef_read", "wifi_scan", "wifi_associated", "carrier_up",
                  "wifi_ip", "auth_ok", "job_accepted", "job_done"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"token-pwt",
                 "PWT: accepted in its period, refused after rotation, rotated on PT issue, attempt cap",
                 "S11-S13, S31-S37",
                 {"issued", "accepted", "rotated", "refused_after_life"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"token-pt",
                 "PT: works for its owner, refused after idle expiry, deleted only by its owner",
                 "S31-S41",
                 {"issued", "accepted", "foreign_delete_refused", "refused_after_life"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"token-st",
                 "ST: the printer's server calls accepted, refused once revoked",
                 "S53-S65",
                 {"issued", "accepted", "refused_after_life"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"token-svwt",
                 "SVWT: single use (replay refused), refused after its TTL",
                 "S67-S81",
                 {"issued", "accepted", "replay_refused", "refused_after_life"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"token-svt",
                 "SVT: opens the printer's pages, refused after idle expiry",
                 "S77-S83, S118",
                 {"issued", "accepted", "refused_after_life"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"token-cwt",
                 "CWT: exactly one grant under concurrent redemption, replay refused, refused after its TTL",
                 "S85-S97",
                 {"issued", "redeemed_once", "replay_refused", "refused_after_life"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"ink-low-notice",
                 "Ink below threshold: the replacement notice reaches the terminal once",
                 "server 30 (ink replacement)",
                 {"ink_low", "notice_shown", "notice_not_repeated"},
                 kFullBench},
                kNeedsParties);
  r.add_planned({"printer-deactivated",
                 "A printer deactivated by the server refuses to print; reactivated, it prints",
                 "S83, S272",
                 {"deactivated", "print_refused", "reactivated", "print_accepted"},
                 kFullBench},
                kNeedsParties);
  r.add_planned(
      {"load",
       "N virtual terminals tap, print and charge concurrently; every token decision checked against "
       "its lifetime",
       "all flows",
       {"ramped_up", "held", "drained"},
       kFullBench},
      kNeedsParties);
  return r;
}

}  // namespace tapbench::rig
