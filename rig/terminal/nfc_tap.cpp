#include "rig/terminal/nfc_tap.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <thread>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/type4_reader.hpp"
#include "rig/runner/outcome.hpp"

namespace tapbench::rig::terminal {
namespace {

[[noreturn]] void rethrow(const nfc::NfcException& e, const std::string& doing) {
  const std::string cls = "nfc-" + std::string(nfc::to_string(e.code()));
  if (nfc::classify(e.code()) == nfc::FailureClass::Device) throw CaseFailure(cls, doing + ": " + e.what());
  throw BenchError(cls, doing + ": " + e.what());
}

void register_secrets(const handover::TapView& v, SecretRegistry& secrets) {
  if (v.pwt && v.pwt->size() >= 6) secrets.add(*v.pwt);
  if (v.svwt && v.svwt->size() >= 6) secrets.add(*v.svwt);
  if (v.wfd && v.wfd->passphrase.size() >= 6) secrets.add(v.wfd->passphrase);
}

// field off/on, wait, read, release: the steps both entry points share. `mark` gets the three edges once
// the message is in. A tap that finds an empty NDEF file (NLEN 0: a tag being rewritten by the NFC Forum
// update procedure, or a printer with no message to show until its next tick) taps again within the
// deadline, as a user would, after 2 ms, then 4, 8, … up to 50 ms between taps (a fixed 50 ms made every
// such tap cost 50 ms at least); the edges are those of the tap that read the message.
template <class Mark>
TapRead read(nfc::NfcReader& reader, std::chrono::milliseconds timeout, const Clock& clock, Mark mark) {
  TapRead out;
  const auto deadline = clock.monotonic_now() + timeout;
  auto left = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.monotonic_now()));
  };
  const char* doing = "switching the phone's field on";
  auto pause = std::chrono::milliseconds(2);
  try {
    for (;;) {
      doing = "switching the phone's field on";
      reader.field_off();  // a fresh field: a tag HALTed by the previous tap answers again
      reader.field_on();
      const MonotonicTime field_on = reader.timestamps().field_on.value_or(clock.monotonic_now());
      doing = "waiting for the printer's tag";
      const nfc::TargetInfo target = reader.wait_for_target(left());
      const MonotonicTime found = reader.timestamps().target_found.value_or(clock.monotonic_now());
      if (!target.iso_dep())
        throw CaseFailure("not-type4", "the printer's tag is not ISO-DEP (SAK without 0x20)");
      doing = "reading the tag's NDEF message";
      nfc::Type4ReadResult r;
      try {
        r = nfc::read_type4_ndef(
            [&reader](std::span<const std::uint8_t> apdu) { return reader.transceive(apdu); });
      } catch (const nfc::NfcException& e) {
        // NLEN 0: the printer is rewriting its tag, or has no message to show yet (a state that needs an
        // SVWT before its next prefetch). Tap again while the deadline allows; then it is the device's.
        const bool empty = e.code() == nfc::NfcError::Protocol &&
                           std::string_view(e.what()).find("NLEN 0") != std::string_view::npos;
        if (!empty || clock.monotonic_now() + pause >= deadline) throw;
        reader.field_off();
        ++out.empty_reads;
        std::this_thread::sleep_for(pause);  // the tap's retry interval; bounded by the deadline above
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
        continue;
      }
      const MonotonicTime read_at = clock.monotonic_now();
      reader.release();
      reader.field_off();
      if (r.ndef.empty() && clock.monotonic_now() < deadline) continue;
      out.apdus = r.apdus;
      out.ndef_bytes = r.ndef.size();
      auto view = handover::parse_tap_message(r.ndef);
      if (!view.ok()) {
        throw CaseFailure("tap-message-invalid",
                          "the printer's tag holds " + std::to_string(r.ndef.size()) +
                              " bytes that are not a tap message: " + view.error().to_string());
      }
      out.view = *view;
      out.times = {field_on, found, read_at};
      mark(0, field_on);
      mark(1, found);
      mark(2, read_at);
      return out;
    }
  } catch (const nfc::NfcException& e) {
    rethrow(e, doing);
  }
}

}  // namespace

TapRead tap_and_mark(nfc::NfcReader& reader, CycleContext& cycle) {
  handover::TapView seen;
  TapRead r = read(reader, std::chrono::duration_cast<std::chrono::milliseconds>(cycle.remaining()),
                   cycle.clock(), [&](int edge, MonotonicTime at) {
                     static constexpr const char* kEdges[] = {"field_on", "target_found", "ndef_read"};
                     cycle.mark_at(kEdges[edge], at);
                   });
  // Register before anything can print the view (notes, failure reasons).
  for (const std::string* s : {r.view.pwt ? &*r.view.pwt : nullptr, r.view.svwt ? &*r.view.svwt : nullptr,
                               r.view.wfd ? &r.view.wfd->passphrase : nullptr}) {
    if (s && s->size() >= 6) cycle.secret(*s);
  }
  cycle.note("tag_apdus", std::to_string(r.apdus));
  cycle.note("tag_bytes", std::to_string(r.ndef_bytes));
  return r;
}

TapRead tap(nfc::NfcReader& reader, const Clock& clock, std::chrono::milliseconds timeout,
            SecretRegistry& secrets) {
  TapRead r = read(reader, timeout, clock, [](int, MonotonicTime) {});
  register_secrets(r.view, secrets);
  return r;
}

}  // namespace tapbench::rig::terminal
