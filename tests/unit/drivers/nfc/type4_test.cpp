// The Type 4 Tag card and the reader's NDEF procedure, against each other and against broken tags.
#include <doctest/doctest.h>

#include <stdexcept>

#include "drivers/nfc/nfc_error.hpp"
#include "drivers/nfc/nfc_factory.hpp"
#include "drivers/nfc/type4_reader.hpp"
#include "drivers/nfc/type4_tag.hpp"

using namespace tapbench::nfc;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes message(std::size_t n) {
  Bytes m(n);
  for (std::size_t i = 0; i < n; ++i)
    m[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return m;
}

// An in-process APDU channel straight into a Type4Tag (FakeChannel: unit tests only), recording traffic.
struct FakeChannel {
  Type4Tag& tag;
  std::vector<Bytes> sent;
  std::function<Bytes(const Bytes&, Bytes)> tamper;
  Bytes operator()(std::span<const std::uint8_t> apdu) {
    sent.emplace_back(apdu.begin(), apdu.end());
    Bytes r = tag.process(apdu);
    return tamper ? tamper(sent.back(), r) : r;
  }
};

std::uint16_t sw_of(const Bytes& r) {
  return static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
}

}  // namespace

TEST_CASE("the reader reads a handover-sized message in MLe chunks, byte-identical") {
  Type4TagConfig cfg;
  cfg.mle = 0x3B;  // a small MLe forces many READ BINARY commands
  Type4Tag tag(cfg);
  const Bytes msg = message(432);
  tag.set_ndef(msg);
  FakeChannel ch{tag, {}, nullptr};
  const auto r = read_type4_ndef(std::ref(ch));
  CHECK(r.ndef == msg);
  CHECK(r.cc.mle == 0x3B);
  // SELECT app, SELECT CC, READ CC, SELECT NDEF, READ NLEN, then ceil(432/59) = 8 reads.
  CHECK(r.apdus == 5 + 8);
  for (const auto& c : ch.sent)
    if (c[1] == 0xB0) CHECK((c[4] == 0 ? 256 : c[4]) <= 0x3B);
}

TEST_CASE("the tag answers malformed and out-of-order APDUs with the right status words") {
  Type4Tag tag;
  tag.set_ndef(message(20));
  CHECK(sw_of(tag.process(Bytes{0x00, 0xB0})) == sw::kWrongLength);                       // truncated header
  CHECK(sw_of(tag.process(Bytes{0x80, 0xA4, 0x04, 0x00})) == sw::kClaNotSupported);       // proprietary CLA
  CHECK(sw_of(tag.process(Bytes{0x00, 0xB0, 0x00, 0x00, 0x0F})) == sw::kNoFileSelected);  // nothing selected
  CHECK(sw_of(tag.process(Bytes{0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x03})) == sw::kNotFound);  // app first
  CHECK(sw_of(tag.process(Bytes{0x00, 0xCA, 0x00, 0x00, 0x00})) == sw::kInsNotSupported);
  CHECK(sw_of(tag.process(Bytes{0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00})) ==
        sw::kWrongLength);  // Lc lies
  Bytes select_app{0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00};
  CHECK(sw_of(tag.process(select_app)) == sw::kOk);
  CHECK(sw_of(tag.process(Bytes{0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x05})) == sw::kNotFound);
  CHECK(sw_of(tag.process(Bytes{0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x03})) == sw::kOk);
  CHECK(sw_of(tag.process(Bytes{0x00, 0xB0, 0x00, 0x0F, 0x01})) == sw::kWrongP1P2);  // past the 15-byte CC
  CHECK(sw_of(tag.process(Bytes{0x00, 0xD6, 0x00, 0x00, 0x01, 0x00})) == sw::kSecurityNotSatisfied);
  CHECK(tag.process(Bytes{0x00, 0xB0, 0x00, 0x00, 0x0F}) == Bytes{0x00, 0x0F, 0x20, 0x00, 0xFF, 0x00, 0xFF,
                                                                  0x04, 0x06, 0xE1, 0x04, 0x10, 0x00, 0x00,
                                                                  0xFF, 0x90, 0x00});
}

TEST_CASE("a message that does not fit the NDEF file is refused, the old one kept") {
  Type4TagConfig cfg;
  cfg.max_ndef_size = 64;
  Type4Tag tag(cfg);
  tag.set_ndef(message(62));
  CHECK_THROWS_AS(tag.set_ndef(message(63)), std::invalid_argument);
  CHECK(tag.ndef() == message(62));
}

TEST_CASE("a writable tag accepts the T4T update procedure and reports the new message once") {
  Type4TagConfig cfg;
  cfg.writable = true;
  cfg.mlc = 0x20;
  Type4Tag tag(cfg);
  tag.set_ndef(message(10));
  std::vector<Bytes> updates;
  tag.set_on_update([&](const Bytes& m) { updates.push_back(m); });
  FakeChannel ch{tag, {}, nullptr};
  const Bytes msg = message(100);
  write_type4_ndef(std::ref(ch), msg);
  CHECK(tag.ndef() == msg);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0] == msg);
  tag.reset_session();
  CHECK(read_type4_ndef(std::ref(ch)).ndef == msg);
}

TEST_CASE("a read-only tag refuses the write procedure with a protocol error") {
  Type4Tag tag;
  tag.set_ndef(message(10));
  FakeChannel ch{tag, {}, nullptr};
  try {
    write_type4_ndef(std::ref(ch), message(5));
    FAIL("write to a read-only tag succeeded");
  } catch (const NfcException& e) {
    CHECK(e.code() == NfcError::Protocol);
  }
  CHECK(tag.ndef() == message(10));
}

TEST_CASE("broken tags give typed protocol errors, not crashes or wrong data") {
  Type4Tag tag;
  tag.set_ndef(message(50));
  const auto expect_protocol = [&](std::function<Bytes(const Bytes&, Bytes)> tamper, const char* why) {
    tag.reset_session();
    FakeChannel ch{tag, {}, std::move(tamper)};
    try {
      read_type4_ndef(std::ref(ch));
      FAIL(std::string(why));
    } catch (const NfcException& e) {
      CHECK_MESSAGE(e.code() == NfcError::Protocol, why);
    }
  };
  expect_protocol(
      [](const Bytes& c, Bytes r) {
        return c[1] == 0xA4 && c[2] == 0x04 ? Bytes{0x6A, 0x82} : r;
      },
      "no NDEF application");
  expect_protocol([](const Bytes&, Bytes) { return Bytes{0x90}; }, "R-APDU without a full status word");
  expect_protocol(
      [](const Bytes& c, Bytes r) {
        if (c[1] == 0xB0 && c[4] == 0x0F) r[4] = 0x00;  // MLe low byte 0 -> MLe 0
        return r;
      },
      "CC with MLe below 15");
  expect_protocol(
      [](const Bytes& c, Bytes r) {
        if (c[1] == 0xB0 && c[4] == 0x02) r[0] = 0x7F;  // NLEN larger than the file
        return r;
      },
      "NLEN beyond the NDEF file");
  expect_protocol(
      [](const Bytes& c, Bytes r) {
        if (c[1] == 0xB0 && c[3] == 2) r.insert(r.begin(), 0x00);  // more data than asked for
        return r;
      },
      "READ BINARY returning more than Le");
}

TEST_CASE("errors are classified for the rig: infrastructure ERROR versus device FAIL") {
  CHECK(classify(NfcError::DeviceMissing) == FailureClass::Infrastructure);
  CHECK(classify(NfcError::Aborted) == FailureClass::Infrastructure);
  CHECK(classify(NfcError::Timeout) == FailureClass::Device);
  CHECK(classify(NfcError::Protocol) == FailureClass::Device);
  CHECK(classify(NfcError::CardRemoved) == FailureClass::Device);
  const NfcException e(NfcError::CardRemoved, "left the field");
  CHECK(std::string(e.what()) == "card removed: left the field");
}

TEST_CASE("the factory refuses unknown backends with a clear error and reports missing devices") {
  try {
    make_nfc_reader("bogus:/dev/null");
    FAIL("unknown backend accepted");
  } catch (const NfcException& e) {
    CHECK(e.code() == NfcError::InvalidArgument);
    CHECK(std::string(e.what()).find("pn532_uart") != std::string::npos);
  }
  try {
    make_nfc_reader("libnfc:pn532_uart:/nonexistent/tapbench-reader");
    FAIL("missing device opened");
  } catch (const NfcException& e) {
    CHECK(e.code() == NfcError::DeviceMissing);
  }
}
