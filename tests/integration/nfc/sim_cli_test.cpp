// The pn532-sim executable's contract, checked with libnfc's own tools (nfc-list, nfc-poll,
// nfc-emulate-forum-tag4) and with our driver, including the emulator being killed mid-exchange.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <iterator>

#include "drivers/nfc/nfc_factory.hpp"
#include "drivers/nfc/tag_frontend.hpp"
#include "sim/pn532/control_server.hpp"
#include "tests/integration/nfc/nfc_test_support.hpp"

using namespace tapbench::nfc;
using namespace nfc_test;
using tapbench::sim::pn532::control_request;

namespace {

// pn532-sim running with the given extra arguments; waits for its "ready" line.
struct SimProcess {
  TempDir& dir;
  std::unique_ptr<Child> child;
  std::string control;
  SimProcess(TempDir& d, std::vector<std::string> args) : dir(d) {
    quiet_libnfc();
    std::vector<std::string> argv{PN532_SIM_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    child = std::make_unique<Child>(argv, dir / "sim.out");
    REQUIRE(child->started());
    REQUIRE_MESSAGE(eventually([&] { return child->output().find("ready") != std::string::npos; },
                               std::chrono::seconds(5)),
                    child->output());
    const auto out = child->output();
    const auto pos = out.find("control=");
    REQUIRE(pos != std::string::npos);
    control = out.substr(pos + 8, out.find('\n', pos) - pos - 8);
  }
  std::string ctl(const std::string& command) { return control_request(control, command); }
};

// Runs a libnfc tool against one device and returns its output; fails the test if it does not finish.
std::string run_tool(TempDir& dir, const std::vector<std::string>& argv, const std::string& device,
                     const std::string& out_name) {
  Child tool(argv, dir / out_name, {"LIBNFC_DEVICE=" + device});
  REQUIRE(tool.started());
  const auto rc = tool.wait(std::chrono::seconds(20));
  REQUIRE_MESSAGE(rc.has_value(), tool.output());
  return tool.output();
}

}  // namespace

TEST_CASE("nfc-list (libnfc's own tool) finds the emulator's built-in tag") {
  TempDir dir;
  write_file(dir / "msg.ndef", handover_message());
  SimProcess sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef"});
  const auto out = run_tool(dir, {"nfc-list"}, "pn532_uart:" + dir / "phone", "nfc-list.out");
  CHECK_MESSAGE(out.find("1 ISO14443A passive target(s) found") != std::string::npos, out);
  CHECK(out.find("UID (NFCID1): 04  54  42  4e  43  00  01") != std::string::npos);
  CHECK(out.find("SAK (SEL_RES): 20") != std::string::npos);
  // A second tag in the field: nfc-list enumerates both (select, deselect = HALT, select the next).
  REQUIRE(sim.ctl("add-tag second d1 01 01 54 00") == "ok\n");
  const auto two = run_tool(dir, {"nfc-list"}, "pn532_uart:" + dir / "phone", "nfc-list-2.out");
  CHECK_MESSAGE(two.find("2 ISO14443A passive target(s) found") != std::string::npos, two);
  CHECK(two.find("UID (NFCID1): 04  54  42  4e  43  00  02") != std::string::npos);
}

TEST_CASE("nfc-poll sees the tag appear when placed and disappear when removed") {
  TempDir dir;
  write_file(dir / "msg.ndef", uri_message());
  SimProcess sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef", "--absent", "tag"});
  Child poll({"nfc-poll"}, dir / "nfc-poll.out", {"LIBNFC_DEVICE=pn532_uart:" + dir / "phone"});
  REQUIRE(poll.started());
  REQUIRE_MESSAGE(eventually([&] { return sim.ctl("log").find("InAutoPoll") != std::string::npos; },
                             std::chrono::seconds(10)),
                  poll.output());
  CHECK(poll.running());  // nothing in the field yet: still polling
  REQUIRE(sim.ctl("place tag") == "ok\n");
  REQUIRE_MESSAGE(
      eventually([&] { return poll.output().find("ISO/IEC 14443A (106 kbps) target") != std::string::npos; },
                 std::chrono::seconds(10)),
      poll.output());
  CHECK(poll.output().find("Waiting for card removing") != std::string::npos);
  REQUIRE(sim.ctl("remove tag") == "ok\n");
  const auto rc = poll.wait(std::chrono::seconds(10));
  REQUIRE_MESSAGE(rc.has_value(), poll.output());
  CHECK(*rc == 0);
  CHECK_MESSAGE(poll.output().find("done.") != std::string::npos, poll.output());
}

TEST_CASE("libnfc's nfc-emulate-forum-tag4 on one chip, our reader on the other: byte-identical read") {
  TempDir dir;
  const Bytes msg = handover_message();
  write_file(dir / "msg.ndef", msg);
  SimProcess sim(dir, {"--link", dir / "phone", "--link", dir / "printer"});
  Child emulator({"nfc-emulate-forum-tag4", dir / "msg.ndef"}, dir / "emulate.out",
                 {"LIBNFC_DEVICE=pn532_uart:" + dir / "printer"});
  REQUIRE(emulator.started());
  REQUIRE_MESSAGE(
      eventually([&] { return sim.ctl("log").find("listening as ISO14443-4A target") != std::string::npos; },
                 std::chrono::seconds(10)),
      emulator.output());
  auto reader = make_nfc_reader("libnfc:pn532_uart:" + dir / "phone");
  const auto r = reader->read_ndef(std::chrono::seconds(3));
  CHECK(r.ndef == msg);
  CHECK(r.target.uid.size() == 4);
  CHECK(r.target.uid[0] == 0x08);
}

TEST_CASE("nfc-list sees our TagFrontend's emulated tag") {
  TempDir dir;
  SimProcess sim(dir, {"--link", dir / "phone", "--link", dir / "printer"});
  auto printer = make_tag_frontend("pn532_uart:" + dir / "printer");
  printer->set_ndef(uri_message());
  printer->start();
  REQUIRE(
      eventually([&] { return sim.ctl("log").find("listening as ISO14443-4A target") != std::string::npos; },
                 std::chrono::seconds(5)));
  const auto out = run_tool(dir, {"nfc-list"}, "pn532_uart:" + dir / "phone", "nfc-list.out");
  CHECK_MESSAGE(out.find("UID (NFCID3): 08  54  42  01") != std::string::npos, out);
  printer->stop();
}

TEST_CASE("the emulator killed mid-exchange: the reader reports DeviceMissing within its timeout") {
  TempDir dir;
  write_file(dir / "msg.ndef", uri_message());
  SimProcess sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef"});
  ReaderOptions opts;
  opts.apdu_timeout = std::chrono::seconds(8);
  auto reader = make_nfc_reader("pn532_uart:" + dir / "phone", opts);
  reader->wait_for_target(std::chrono::seconds(2));
  REQUIRE(sim.ctl("stall phone") == "ok\n");
  const Bytes select{0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00};
  const auto t0 = std::chrono::steady_clock::now();
  auto pending = std::async(std::launch::async, [&] {
    try {
      reader->transceive(select);
    } catch (const NfcException& e) {
      return std::optional<NfcError>(e.code());
    }
    return std::optional<NfcError>();
  });
  // The APDU reached the chip, which swallowed it: the reader is blocked mid-exchange. Kill the emulator.
  REQUIRE(eventually([&] { return sim.ctl("log").find("stalled: frame not answered") != std::string::npos; },
                     std::chrono::seconds(5)));
  sim.child->signal(SIGKILL);
  REQUIRE(pending.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  const auto err = pending.get();
  REQUIRE(err.has_value());
  CHECK(*err == NfcError::DeviceMissing);
  CHECK(std::chrono::steady_clock::now() - t0 < opts.apdu_timeout);
}

TEST_CASE("a stalled chip (alive but silent) gives Timeout, not a hang") {
  TempDir dir;
  write_file(dir / "msg.ndef", uri_message());
  SimProcess sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef"});
  ReaderOptions opts;
  opts.apdu_timeout = std::chrono::milliseconds(300);
  auto reader = make_nfc_reader("pn532_uart:" + dir / "phone", opts);
  reader->wait_for_target(std::chrono::seconds(2));
  REQUIRE(sim.ctl("stall phone") == "ok\n");
  try {
    reader->transceive(Bytes{0x00, 0xA4, 0x04, 0x00, 0x00});
    FAIL("a silent chip answered");
  } catch (const NfcException& e) {
    CHECK(e.code() == NfcError::Timeout);
  }
}

TEST_CASE("pn532-sim command line and control channel: usage errors and clear replies") {
  TempDir dir;
  Child help({PN532_SIM_PATH, "--help"}, dir / "help.out");
  CHECK(help.wait(std::chrono::seconds(5)) == 0);
  CHECK(help.output().find("--link PATH") != std::string::npos);
  Child none({PN532_SIM_PATH}, dir / "none.out");
  CHECK(none.wait(std::chrono::seconds(5)) == 64);
  CHECK(none.output().find("--link") != std::string::npos);
  Child bad({PN532_SIM_PATH, "--link", dir / "x", "--bogus"}, dir / "bad.out");
  CHECK(bad.wait(std::chrono::seconds(5)) == 64);

  write_file(dir / "msg.ndef", uri_message());
  SimProcess sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef", "--control", dir / "ctl"});
  CHECK(sim.control == dir / "ctl");
  CHECK(sim.ctl("frobnicate").rfind("error: unknown command", 0) == 0);
  CHECK(sim.ctl("place nosuchcard") == "error: no card named 'nosuchcard'\n");
  CHECK(sim.ctl("set-ndef tag zz").rfind("error:", 0) == 0);
  const auto status = sim.ctl("status");
  CHECK(status.find("chip phone mode=initiator") != std::string::npos);
  CHECK(status.find("card tag kind=type4-tag placed") != std::string::npos);
  CHECK(sim.ctl("get-ndef tag").find("d1 01 0c 55 04") == 0);
  CHECK(sim.ctl("quit") == "ok\n");
  CHECK(sim.child->wait(std::chrono::seconds(5)) == 0);
  CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(dir / "phone")));
}

TEST_CASE("a libnfc host killed mid-command leaves the chip usable for the next host") {
  TempDir dir;
  write_file(dir / "msg.ndef", uri_message());
  SimProcess sim(dir, {"--link", dir / "phone", "--tag-ndef", dir / "msg.ndef", "--absent", "tag",
                       "--frame-log", dir / "frames.log"});
  Child poll({"nfc-poll"}, dir / "nfc-poll.out", {"LIBNFC_DEVICE=pn532_uart:" + dir / "phone"});
  REQUIRE(eventually([&] { return sim.ctl("log").find("InAutoPoll") != std::string::npos; },
                     std::chrono::seconds(10)));
  poll.signal(SIGKILL);  // vanishes while the chip is polling for it
  REQUIRE(poll.wait(std::chrono::seconds(5)).has_value());
  // The next host's first frames interrupt the poll the dead host left running.
  auto reader = make_nfc_reader("pn532_uart:" + dir / "phone");
  REQUIRE(sim.ctl("place tag") == "ok\n");
  CHECK(reader->read_ndef(std::chrono::seconds(2)).ndef == uri_message());
  // --frame-log mirrors the frame log to a file as it happens.
  const auto frames = read_text(dir / "frames.log");
  CHECK(frames.find("phone H>C InAutoPoll") != std::string::npos);
  CHECK(frames.find("command aborted by host") != std::string::npos);
  CHECK(frames.find("phone C>H response") != std::string::npos);
}

TEST_CASE("TagFrontend: the emulator killed under it gives an Error event (DeviceMissing) and stops") {
  TempDir dir;
  SimProcess sim(dir, {"--link", dir / "printer"});
  auto printer = make_tag_frontend("pn532_uart:" + dir / "printer");
  printer->set_ndef(uri_message());
  std::promise<NfcError> error;
  std::atomic<bool> once{false};
  printer->set_listener([&](const TapEvent& e) {
    if (e.kind == TapEvent::Kind::Error && !once.exchange(true)) error.set_value(*e.error);
  });
  printer->start();
  REQUIRE(
      eventually([&] { return sim.ctl("log").find("listening as ISO14443-4A target") != std::string::npos; },
                 std::chrono::seconds(5)));
  sim.child->signal(SIGKILL);
  auto fut = error.get_future();
  REQUIRE(fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(fut.get() == NfcError::DeviceMissing);
  CHECK(eventually([&] { return !printer->running(); }, std::chrono::seconds(5)));
  CHECK(printer->last_error() == NfcError::DeviceMissing);
  printer->stop();
}

TEST_CASE(
    "tapbench-nfc-read / tapbench-nfc-tag: a two-chip tap from the command line, exit codes by verdict") {
  TempDir dir;
  const Bytes msg = handover_message();
  write_file(dir / "msg.ndef", msg);
  SimProcess sim(dir, {"--link", dir / "phone", "--link", dir / "printer"});
  Child tag({NFC_TAG_TOOL, "pn532_uart:" + dir / "printer", dir / "msg.ndef", "--taps", "2"},
            dir / "tag.out");
  REQUIRE(
      eventually([&] { return sim.ctl("log").find("listening as ISO14443-4A target") != std::string::npos; },
                 std::chrono::seconds(5)));
  Child read({NFC_READ_TOOL, "pn532_uart:" + dir / "phone", "--repeat", "2", "--out", dir / "got.ndef"},
             dir / "read.out");
  CHECK(read.wait(std::chrono::seconds(10)) == 0);
  const auto out = read.output();
  CHECK(out.find("tap 1: 432 bytes, 7 APDUs") != std::string::npos);
  CHECK(out.find("2 taps: target_found->ndef_read p50") != std::string::npos);
  std::ifstream got(dir / "got.ndef", std::ios::binary);
  CHECK(Bytes(std::istreambuf_iterator<char>(got), {}) == msg);
  CHECK(tag.wait(std::chrono::seconds(5)) == 0);  // --taps 2: done after the second release
  CHECK(tag.output().find("tap 2: released after 7 APDUs") != std::string::npos);

  Child none({NFC_READ_TOOL, "pn532_uart:" + dir / "phone", "--wait", "100"}, dir / "none.out");
  CHECK(none.wait(std::chrono::seconds(10)) == 2);  // no card: device FAIL
  CHECK(none.output().find("timeout: no ISO/IEC 14443-A target") != std::string::npos);
  Child missing({NFC_READ_TOOL, "pn532_uart:" + dir / "nothing"}, dir / "missing.out");
  CHECK(missing.wait(std::chrono::seconds(10)) == 3);  // infrastructure ERROR
  Child usage({NFC_READ_TOOL}, dir / "usage.out");
  CHECK(usage.wait(std::chrono::seconds(5)) == 64);
}
