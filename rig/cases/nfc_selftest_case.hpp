// nfc-selftest: the bench's NFC path end to end, with no printer and no server — the phone reader (libnfc's
// own pn532_uart driver) taps a Type 4 Tag whose NDEF message the rig chose, on an emulated PN532 that the
// case starts itself (pn532-sim with its built-in tag). Each cycle records field_on → target_found →
// ndef_read and FAILs if a single byte read back differs. A real timing of the rig's NFC stack, and the
// check to run first when taps misbehave. Needs a pn532-sim phone reader (SKIP otherwise: a real reader
// would need a known tag placed on it by hand).
#pragma once

#include <memory>

#include "rig/runner/case.hpp"

namespace tapbench::rig {

CaseInfo nfc_selftest_info();
std::unique_ptr<Case> make_nfc_selftest_case(const CaseEnvironment& env);

}  // namespace tapbench::rig
