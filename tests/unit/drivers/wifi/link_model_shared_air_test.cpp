// The directory-backed link-model air ("link-model:DIR"), on a ManualClock: two LinkModelAir handles on
// one directory stand for two processes (printerd and the rig) — the printer's group is seen and joined
// through the other handle with the same phases and typed errors as the in-process air; one file per
// network; a network whose owning process died leaves the air; bad files are refused with the path.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "drivers/wifi/link_model.hpp"
#include "drivers/wifi/wifi_error.hpp"

using namespace tapbench;
using namespace tapbench::wifi;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tb-air-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct Party {  // one process's view: its own handle on the shared directory
  ManualClock& clock;
  LinkModelAir air;
  WaitUntil wait;
  Party(ManualClock& c, const fs::path& dir)
      : clock(c), air(dir), wait([&c](MonotonicTime t) {
          auto d = t - c.monotonic_now();
          if (d.count() > 0) c.advance(d);
        }) {}
};

std::vector<fs::path> network_files(const fs::path& air) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(air / "networks"))
    if (e.path().extension() == ".json" && !e.path().filename().string().starts_with(".")) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("shared air: the phone joins the printer's group through another handle, every phase in order") {
  TempDir tmp;
  const fs::path dir = tmp.path / "air";  // created by the first handle
  ManualClock clock;
  Party printer(clock, dir), phone(clock, dir);
  LinkModelTiming timing;

  LinkModelP2pGroupOwner go(printer.air, clock, printer.wait, timing);
  auto up = go.start({{"DIRECT-tb-printer", "handover-passphrase"}, 2437, DhcpPool{}}, 5s);
  REQUIRE(network_files(dir).size() == 1);
  CHECK((fs::status(network_files(dir)[0]).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);

  // The phone sees the group on the air as a scan would, and joins with what it read from the tag.
  auto seen = phone.air.find("DIRECT-tb-printer", 2437);
  REQUIRE(seen);
  CHECK(seen->freq_mhz == 2437);
  LinkModelStation sta(phone.air, clock, phone.wait, timing, "02:00:00:00:aa:01");
  auto joined = sta.join({{"DIRECT-tb-printer", "handover-passphrase"}, 2437, 10s, true, 3s});
  CHECK(joined.bssid == seen->bssid);
  CHECK(joined.ip_address == "192.168.77.10");
  std::vector<LinkPhase> phases;
  for (const auto& p : joined.phases)
    phases.push_back(p.phase);
  CHECK(phases == std::vector<LinkPhase>{LinkPhase::kRequested, LinkPhase::kScanStarted,
                                         LinkPhase::kScanResults, LinkPhase::kAssociating,
                                         LinkPhase::kAssociated, LinkPhase::kConnected,
                                         LinkPhase::kIpAddress});
  CHECK(elapsed_to(joined.phases, LinkPhase::kConnected) ==
        timing.scan_one_channel + timing.association + timing.handshake);

  // The printer's handle sees the join (AP-STA-CONNECTED) at the phone's connected instant, once.
  auto arrived = go.wait_station(1s);
  CHECK(arrived.mac == "02:00:00:00:aa:01");
  CHECK(arrived.stamp.at == *first_of(joined.phases, LinkPhase::kConnected));
  CHECK(printer.air.stations(seen->bssid) == std::vector<std::string>{"02:00:00:00:aa:01"});
  CHECK_THROWS_AS(go.wait_station(500ms), WifiError);

  // A second phone gets the next lease: the pool's counter is shared, not per handle.
  Party other(clock, dir);
  LinkModelStation sta2(other.air, clock, other.wait, timing, "02:00:00:00:aa:02");
  CHECK(sta2.join({{"DIRECT-tb-printer", "handover-passphrase"}, 2437, 10s, true, 3s}).ip_address ==
        "192.168.77.11");

  sta.leave();
  CHECK(printer.air.stations(seen->bssid) == std::vector<std::string>{"02:00:00:00:aa:02"});
  go.stop();
  CHECK(network_files(dir).empty());
  CHECK_FALSE(phone.air.find("DIRECT-tb-printer", std::nullopt));
}

TEST_CASE("shared air: wrong passphrase, absent and stopped networks give the in-process model's errors") {
  TempDir tmp;
  ManualClock clock;
  Party printer(clock, tmp.path), phone(clock, tmp.path);
  LinkModelTiming timing;
  LinkModelP2pGroupOwner go(printer.air, clock, printer.wait, timing);
  go.start({{"DIRECT-tb-printer", "handover-passphrase"}, 2437}, 5s);
  LinkModelStation sta(phone.air, clock, phone.wait, timing);
  try {
    sta.join({{"DIRECT-tb-printer", "handover-passphrasf"}, 2437, 10s});
    FAIL("joined with a wrong passphrase");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kWrongPassphrase);
    CHECK(first_of(e.phases(), LinkPhase::kAssociated));
    CHECK_FALSE(first_of(e.phases(), LinkPhase::kConnected));
    CHECK(std::string(e.what()).find("handover-passphras") == std::string::npos);
  }
  CHECK(printer.air.stations(printer.air.networks().at(0).bssid).empty());

  go.stop();
  const auto t0 = clock.monotonic_now();
  try {
    sta.join({{"DIRECT-tb-printer", "handover-passphrase"}, 2437, 2s});
    FAIL("joined a group that was stopped");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNetworkNotFound);
    CHECK(clock.monotonic_now() - t0 == 2s);
  }
}

TEST_CASE("shared air: BSSIDs are unique across handles; the printer's router join lands in the same air") {
  TempDir tmp;
  ManualClock clock;
  Party rig(clock, tmp.path), printer(clock, tmp.path);
  LinkModelAccessPoint router(rig.air, clock, rig.wait);
  LinkModelP2pGroupOwner go(printer.air, clock, printer.wait);
  auto r = router.start({{"home-router", "router-passphrase"}, 6}, 5s);
  auto g = go.start({{"DIRECT-tb-printer", "handover-passphrase"}, 2412}, 5s);
  (void)g;
  CHECK(r.bssid != printer.air.find("DIRECT-tb-printer", 2412)->bssid);
  LinkModelStation printer_sta(printer.air, clock, printer.wait, {}, "02:00:00:00:cc:01");
  auto joined = printer_sta.join({{"home-router", "router-passphrase"}, std::nullopt, 10s});
  CHECK(joined.bssid == r.bssid);
  CHECK(router.wait_station(1s).mac == "02:00:00:00:cc:01");
  CHECK(router.stations() == std::vector<std::string>{"02:00:00:00:cc:01"});
  CHECK(rig.air.networks().size() == 2);
}

TEST_CASE("shared air: a network whose owning process died leaves the air (AP gone)") {
  TempDir tmp;
  ManualClock clock;
  Party phone(clock, tmp.path);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // the "printer": puts its group on the air and dies without taking it down
    try {
      LinkModelAir air(tmp.path);
      air.add({"DIRECT-tb-gone", "handover-passphrase"}, 2437);
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(network_files(tmp.path).size() == 1);                 // the file is still there…
  CHECK_FALSE(phone.air.find("DIRECT-tb-gone", std::nullopt));  // …but nobody beacons it
  CHECK(network_files(tmp.path).empty());
  LinkModelStation sta(phone.air, clock, phone.wait);
  try {
    sta.join({{"DIRECT-tb-gone", "handover-passphrase"}, 2437, 1s});
    FAIL("joined a network whose owner is dead");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kNetworkNotFound);
  }
}

TEST_CASE("shared air: concurrent joins through separate handles are all recorded (flock)") {
  TempDir tmp;
  LinkModelAir owner(tmp.path);
  const auto bssid = owner.add({"DIRECT-tb-busy", "handover-passphrase"}, 2437);
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      LinkModelAir handle(tmp.path);
      for (int i = 0; i < kEach; ++i)
        handle.associate(bssid, "02:00:00:00:" + std::to_string(10 + t) + ":" + std::to_string(10 + i),
                         MonotonicTime{});
    });
  }
  for (auto& th : threads)
    th.join();
  CHECK(owner.joins_since(bssid, 0).size() == kThreads * kEach);
  CHECK(owner.stations(bssid).size() == kThreads * kEach);
}

TEST_CASE("shared air: specs, and unreadable files refused naming the file, not guessed around") {
  TempDir tmp;
  CHECK(LinkModelAir::open("link-model")->directory().empty());
  CHECK(LinkModelAir::open("link-model:" + tmp.path.string())->directory() == tmp.path);
  for (const char* bad : {"link-model:", "hostap", "linkmodel:/tmp/x"}) {
    try {
      LinkModelAir::open(bad);
      FAIL("accepted " << bad);
    } catch (const WifiError& e) {
      CHECK(e.code() == WifiErrc::kBadArgument);
    }
  }
  {
    LinkModelAir air(tmp.path);
    air.add({"DIRECT-tb-x", "handover-passphrase"}, 2437);
  }
  std::ofstream(tmp.path / "networks" / "02-00-00-00-99-00.json") << "{\"bssid\":";
  try {
    LinkModelAir again(tmp.path);
    FAIL("opened an air with a truncated network file");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kIo);
    CHECK(std::string(e.what()).find("02-00-00-00-99-00.json") != std::string::npos);
  }
  try {
    LinkModelAir blocked("/proc/forbidden-air");
    FAIL("created an air where no directory can be made");
  } catch (const WifiError& e) {
    CHECK(e.code() == WifiErrc::kIo);
    CHECK(std::string(e.what()).find("/proc/forbidden-air") != std::string::npos);
  }
}
