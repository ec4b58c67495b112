#include "drivers/wifi/link_model.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "drivers/wifi/wifi_error.hpp"

namespace tapbench::wifi {

using std::chrono::milliseconds;

// --- the air: the stores
// ------------------------------------------------------------------------------------------------

class LinkModelAir::Store {
 public:
  virtual ~Store() = default;
  // Runs `f` on the air's state under the air's lock; when `f` returns true the state is written back.
  virtual void transact(const std::function<bool(State&)>& f) = 0;
  virtual const std::filesystem::path& directory() const = 0;
  // Recorded as a network's owner_pid (0: none, the in-process air never loses its owners).
  virtual int owner_pid() const = 0;
};

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class InProcessStore final : public LinkModelAir::Store {
 public:
  void transact(const std::function<bool(LinkModelAir::State&)>& f) override {
    std::lock_guard lock(mutex_);
    f(state_);
  }
  const fs::path& directory() const override { return none_; }
  int owner_pid() const override { return 0; }

 private:
  std::mutex mutex_;
  LinkModelAir::State state_;
  fs::path none_;
};

constexpr std::int64_t kAirFormatVersion = 1;

std::string hex_of(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::int64_t ns_of(MonotonicTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The SSID goes in as hex (an SSID is 1–32 arbitrary bytes, not necessarily UTF-8); "ssid" is for people
// reading the file when it is printable.
std::string serialize(const LinkModelAir::Network& n) {
  json::object o;
  o["bssid"] = n.bssid;
  o["ssid_hex"] = hex_of(n.credentials.ssid);
  o["passphrase"] = n.credentials.passphrase;  // validate(): printable ASCII
  o["freq_mhz"] = n.freq_mhz;
  o["owner_pid"] = n.owner_pid;
  json::array stations;
  for (const auto& s : n.stations)
    stations.emplace_back(s);
  o["stations"] = std::move(stations);
  json::array joins;
  for (const auto& j : n.joins) {
    joins.emplace_back(
        json::object{{"mac", j.mac}, {"at_ns", ns_of(j.stamp.at)}, {"detail", j.stamp.detail}});
  }
  o["joins"] = std::move(joins);
  if (n.dhcp) {
    o["dhcp"] = json::object{{"server_cidr", n.dhcp->server_cidr},
                             {"first", n.dhcp->first},
                             {"last", n.dhcp->last},
                             {"subnet_mask", n.dhcp->subnet_mask},
                             {"arp_probe_ms", n.dhcp->arp_probe.count()}};
  }
  o["leases"] = n.leases;
  return json::serialize(o) + "\n";
}

// Throws std::exception (boost::system_error, std::invalid_argument…) for anything malformed.
LinkModelAir::Network deserialize(const std::string& text) {
  const json::object o = json::parse(text).as_object();
  LinkModelAir::Network n;
  n.bssid = json::value_to<std::string>(o.at("bssid"));
  auto ssid = unhex(o.at("ssid_hex").as_string());
  if (!ssid) throw std::invalid_argument("ssid_hex is not hex");
  n.credentials.ssid = *ssid;
  n.credentials.passphrase = json::value_to<std::string>(o.at("passphrase"));
  n.freq_mhz = json::value_to<int>(o.at("freq_mhz"));
  n.owner_pid = json::value_to<int>(o.at("owner_pid"));
  for (const auto& s : o.at("stations").as_array())
    n.stations.push_back(json::value_to<std::string>(s));
  for (const auto& jv : o.at("joins").as_array()) {
    const auto& j = jv.as_object();
    const auto at = MonotonicTime(std::chrono::nanoseconds(json::value_to<std::int64_t>(j.at("at_ns"))));
    n.joins.push_back({json::value_to<std::string>(j.at("mac")),
                       {LinkPhase::kStationJoined, at, json::value_to<std::string>(j.at("detail"))}});
  }
  if (const auto* d = o.if_contains("dhcp")) {
    const auto& dp = d->as_object();
    DhcpPool pool;
    pool.server_cidr = json::value_to<std::string>(dp.at("server_cidr"));
    pool.first = json::value_to<std::string>(dp.at("first"));
    pool.last = json::value_to<std::string>(dp.at("last"));
    pool.subnet_mask = json::value_to<std::string>(dp.at("subnet_mask"));
    pool.arp_probe = milliseconds(json::value_to<std::int64_t>(dp.at("arp_probe_ms")));
    n.dhcp = pool;
  }
  n.leases = json::value_to<int>(o.at("leases"));
  return n;
}

bool process_gone(int pid) {
  return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH;
}

std::string file_name_of(const std::string& bssid) {
  std::string name = bssid;
  std::replace(name.begin(), name.end(), ':', '-');
  return name + ".json";
}

// The air as a directory (see link_model.hpp). Files are replaced by rename, so a reader never sees half
// of one; they are not fsync'd: the air models radios, it does not outlive the machine.
class DirectoryStore final : public LinkModelAir::Store {
 public:
  explicit DirectoryStore(fs::path dir) : dir_(std::move(dir)), networks_(dir_ / "networks") {
    std::error_code ec;
    const bool existed = fs::exists(dir_, ec);
    fs::create_directories(networks_, ec);
    if (ec) fail("cannot create the directory: " + ec.message());
    if (!existed) fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::permissions(networks_, fs::perms::owner_all, ec);
    lock_fd_ = ::open((dir_ / "air.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) fail(std::string("cannot open air.lock: ") + std::strerror(errno));
    transact([](LinkModelAir::State&) { return false; });  // reads (and so checks) what is there
  }
  ~DirectoryStore() override {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  const fs::path& directory() const override { return dir_; }
  int owner_pid() const override { return static_cast<int>(::getpid()); }

  void transact(const std::function<bool(LinkModelAir::State&)>& f) override {
    std::lock_guard thread_lock(mutex_);  // flock does not exclude threads sharing one descriptor
    while (::flock(lock_fd_, LOCK_EX) != 0) {
      if (errno != EINTR) fail(std::string("flock air.lock: ") + std::strerror(errno));
    }
    struct Unlock {
      int fd;
      ~Unlock() { ::flock(fd, LOCK_UN); }
    } unlock{lock_fd_};

    LinkModelAir::State state;
    std::map<std::string, std::string> on_disk;  // file name → content
    load(state, on_disk);
    // Networks whose owner died (kill -9, crash) leave the air: a real AP's beacons stop with it.
    const auto before = state.networks.size();
    std::erase_if(state.networks, [](const LinkModelAir::Network& n) { return process_gone(n.owner_pid); });
    const int next_id = state.next_id;
    const bool changed = f(state);
    if (!changed && before == state.networks.size()) return;

    std::map<std::string, std::string> wanted;
    for (const auto& n : state.networks)
      wanted[file_name_of(n.bssid)] = serialize(n);
    for (const auto& [name, text] : wanted) {
      auto it = on_disk.find(name);
      if (it == on_disk.end() || it->second != text) write_atomically(networks_ / name, text);
    }
    for (const auto& [name, text] : on_disk) {
      if (!wanted.contains(name)) {
        std::error_code ec;
        fs::remove(networks_ / name, ec);
        if (ec) fail("cannot remove " + (networks_ / name).string() + ": " + ec.message());
      }
    }
    if (state.next_id != next_id) {
      write_atomically(
          dir_ / "air.json",
          json::serialize(json::object{{"version", kAirFormatVersion}, {"next_id", state.next_id}}) + "\n");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw WifiError(WifiErrc::kIo, "link-model air '" + dir_.string() + "': " + what);
  }

  static std::optional<std::string> read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void load(LinkModelAir::State& state, std::map<std::string, std::string>& on_disk) const {
    if (auto air = read_all(dir_ / "air.json")) {
      try {
        const auto o = json::parse(*air).as_object();
        const auto version = json::value_to<std::int64_t>(o.at("version"));
        if (version != kAirFormatVersion) fail("air.json: unsupported version " + std::to_string(version));
        state.next_id = json::value_to<int>(o.at("next_id"));
      } catch (const WifiError&) {
        throw;
      } catch (const std::exception& e) {
        fail(std::string("air.json is not a link-model air file: ") + e.what());
      }
    }
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(networks_, ec)) {
      const auto name = e.path().filename().string();
      if (e.path().extension() == ".json" && !name.starts_with(".")) files.push_back(e.path());
    }
    if (ec) fail("cannot list " + networks_.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      auto text = read_all(path);
      if (!text) continue;  // removed between the listing and the read (not possible under the lock)
      try {
        state.networks.push_back(deserialize(*text));
      } catch (const std::exception& e) {
        fail(path.filename().string() + " is not a link-model network file: " + e.what());
      }
      on_disk[path.filename().string()] = *text;
    }
  }

  void write_atomically(const fs::path& path, const std::string& text) const {
    const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail("cannot write " + tmp.string() + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        fail("cannot write " + tmp.string() + ": " + why);
      }
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      fail("cannot rename " + tmp.string() + ": " + std::strerror(errno));
  }

  fs::path dir_;
  fs::path networks_;
  int lock_fd_ = -1;
  std::mutex mutex_;
};

}  // namespace

// --- the air
// ------------------------------------------------------------------------------------------------

LinkModelAir::LinkModelAir() : store_(std::make_unique<InProcessStore>()) {}

LinkModelAir::LinkModelAir(const std::filesystem::path& dir) {
  if (dir.empty()) throw WifiError(WifiErrc::kBadArgument, "link-model air: empty directory");
  store_ = std::make_unique<DirectoryStore>(dir);
}

LinkModelAir::~LinkModelAir() = default;

std::unique_ptr<LinkModelAir> LinkModelAir::open(std::string_view spec) {
  if (spec == "link-model") return std::make_unique<LinkModelAir>();
  constexpr std::string_view prefix = "link-model:";
  if (spec.starts_with(prefix) && spec.size() > prefix.size())
    return std::make_unique<LinkModelAir>(std::filesystem::path(spec.substr(prefix.size())));
  throw WifiError(WifiErrc::kBadArgument,
                  "link-model air '" + std::string(spec) + "': expected link-model or link-model:DIR");
}

const std::filesystem::path& LinkModelAir::directory() const {
  return store_->directory();
}

std::string LinkModelAir::add(const WifiCredentials& credentials, int freq_mhz,
                              std::optional<DhcpPool> dhcp) {
  std::string out;
  store_->transact([&](State& st) {
    const int id = st.next_id++;
    char bssid[18];
    std::snprintf(bssid, sizeof(bssid), "02:00:00:%02x:%02x:00", (id >> 8) & 0xff, id & 0xff);
    st.networks.push_back({bssid, credentials, freq_mhz, {}, {}, std::move(dhcp), 0, store_->owner_pid()});
    out = bssid;
    return true;
  });
  return out;
}

std::optional<std::string> LinkModelAir::lease(const std::string& bssid) {
  std::optional<std::string> out;
  store_->transact([&](State& st) {
    for (auto& n : st.networks) {
      if (n.bssid != bssid || !n.dhcp) continue;
      // Pools are within one /24 here: vary the last octet from `first` to `last`.
      auto prefix = n.dhcp->first.substr(0, n.dhcp->first.rfind('.') + 1);
      int first = std::stoi(n.dhcp->first.substr(prefix.size()));
      int last = std::stoi(n.dhcp->last.substr(n.dhcp->last.rfind('.') + 1));
      if (first + n.leases > last) return false;
      out = prefix + std::to_string(first + n.leases++);
      return true;
    }
    return false;
  });
  return out;
}

void LinkModelAir::remove(const std::string& bssid) {
  store_->transact([&](State& st) {
    return std::erase_if(st.networks, [&](const Network& n) { return n.bssid == bssid; }) > 0;
  });
}

std::optional<LinkModelAir::Network> LinkModelAir::find(const std::string& ssid,
                                                        std::optional<int> freq_mhz) const {
  std::optional<Network> out;
  store_->transact([&](State& st) {
    for (const auto& n : st.networks) {
      if (n.credentials.ssid == ssid && (!freq_mhz || *freq_mhz == n.freq_mhz)) {
        out = n;
        break;
      }
    }
    return false;
  });
  return out;
}

std::vector<LinkModelAir::Network> LinkModelAir::networks() const {
  std::vector<Network> out;
  store_->transact([&](State& st) {
    out = st.networks;
    return false;
  });
  std::sort(out.begin(), out.end(), [](const Network& a, const Network& b) { return a.bssid < b.bssid; });
  return out;
}

bool LinkModelAir::associate(const std::string& bssid, const std::string& station_mac, MonotonicTime at) {
  bool found = false;
  store_->transact([&](State& st) {
    for (auto& n : st.networks) {
      if (n.bssid == bssid) {
        if (std::find(n.stations.begin(), n.stations.end(), station_mac) == n.stations.end()) {
          n.stations.push_back(station_mac);
        }
        n.joins.push_back(
            {station_mac, {LinkPhase::kStationJoined, at, "link-model: AP-STA-CONNECTED " + station_mac}});
        found = true;
        return true;
      }
    }
    return false;
  });
  return found;
}

void LinkModelAir::disassociate(const std::string& bssid, const std::string& station_mac) {
  store_->transact([&](State& st) {
    bool changed = false;
    for (auto& n : st.networks) {
      if (n.bssid == bssid) changed |= std::erase(n.stations, station_mac) > 0;
    }
    return changed;
  });
}

std::vector<std::string> LinkModelAir::stations(const std::string& bssid) const {
  std::vector<std::string> out;
  store_->transact([&](State& st) {
    for (const auto& n : st.networks) {
      if (n.bssid == bssid) out = n.stations;
    }
    return false;
  });
  return out;
}

std::vector<StationJoined> LinkModelAir::joins_since(const std::string& bssid, std::size_t from) const {
  std::vector<StationJoined> out;
  store_->transact([&](State& st) {
    for (const auto& n : st.networks) {
      if (n.bssid == bssid && from < n.joins.size())
        out.assign(n.joins.begin() + static_cast<long>(from), n.joins.end());
    }
    return false;
  });
  return out;
}

namespace {

// Polls the air for the next join (every 10 ms of the clock) until `timeout`: the modelled AP-STA-CONNECTED.
StationJoined wait_join(const LinkModelAir& air, const std::string& bssid, std::size_t& reported,
                        const Clock& clock, const WaitUntil& wait_until, milliseconds timeout,
                        std::string_view role) {
  if (bssid.empty()) throw WifiError(WifiErrc::kBadArgument, std::string(role) + ": not started");
  const auto deadline = clock.monotonic_now() + timeout;
  for (;;) {
    auto joins = air.joins_since(bssid, reported);
    if (!joins.empty()) {
      ++reported;
      return joins.front();
    }
    auto now = clock.monotonic_now();
    if (now >= deadline) {
      throw WifiError(WifiErrc::kTimeout, std::string(role) + " (link model): no station joined within " +
                                              std::to_string(timeout.count()) + " ms");
    }
    wait_until(std::min(now + milliseconds{10}, deadline));
  }
}

// Lets `d` of modelled time pass, unless that would cross `deadline`: then waits until the deadline and
// returns false.
bool pass(const Clock& clock, const WaitUntil& wait_until, milliseconds d, MonotonicTime deadline) {
  auto target = clock.monotonic_now() + d;
  if (target > deadline) {
    wait_until(deadline);
    return false;
  }
  wait_until(target);
  return true;
}

}  // namespace

// --- access point
// ---------------------------------------------------------------------------------------------

LinkModelAccessPoint::LinkModelAccessPoint(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                                           LinkModelTiming timing)
    : air_(air), clock_(clock), wait_until_(std::move(wait_until)), timing_(timing) {}

LinkModelAccessPoint::~LinkModelAccessPoint() {
  stop();
}

ApUp LinkModelAccessPoint::start(const ApConfig& config, milliseconds timeout) {
  validate(config.credentials);
  const int freq = channel_to_freq_mhz(config.channel);
  stop();
  ApUp up;
  const auto t0 = clock_.monotonic_now();
  up.phases.push_back({LinkPhase::kRequested, t0, "link-model: AP start requested"});
  if (!pass(clock_, wait_until_, timing_.ap_start, t0 + timeout)) {
    throw WifiError(WifiErrc::kTimeout,
                    "link-model AP did not come up within " + std::to_string(timeout.count()) + " ms",
                    up.phases);
  }
  bssid_ = air_.add(config.credentials, freq, config.dhcp_server);
  reported_ = 0;
  up.bssid = bssid_;
  up.freq_mhz = freq;
  up.phases.push_back({LinkPhase::kApEnabled, clock_.monotonic_now(), "link-model: AP-ENABLED"});
  return up;
}

void LinkModelAccessPoint::stop() {
  if (bssid_.empty()) return;
  air_.remove(bssid_);
  bssid_.clear();
}

StationJoined LinkModelAccessPoint::wait_station(milliseconds timeout) {
  return wait_join(air_, bssid_, reported_, clock_, wait_until_, timeout, "access point");
}

std::vector<std::string> LinkModelAccessPoint::stations() {
  return bssid_.empty() ? std::vector<std::string>{} : air_.stations(bssid_);
}

// --- P2P group owner
// ------------------------------------------------------------------------------------------

LinkModelP2pGroupOwner::LinkModelP2pGroupOwner(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                                               LinkModelTiming timing)
    : air_(air), clock_(clock), wait_until_(std::move(wait_until)), timing_(timing) {}

LinkModelP2pGroupOwner::~LinkModelP2pGroupOwner() {
  stop();
}

GoUp LinkModelP2pGroupOwner::start(const GoConfig& config, milliseconds timeout) {
  validate(config.credentials);
  validate_p2p_ssid(config.credentials.ssid);
  stop();
  GoUp up;
  const auto t0 = clock_.monotonic_now();
  up.phases.push_back({LinkPhase::kRequested, t0, "link-model: P2P group requested"});
  if (!pass(clock_, wait_until_, timing_.go_start, t0 + timeout)) {
    throw WifiError(WifiErrc::kTimeout,
                    "link-model P2P GO did not come up within " + std::to_string(timeout.count()) + " ms",
                    up.phases);
  }
  bssid_ = air_.add(config.credentials, config.freq_mhz, config.dhcp_server);
  reported_ = 0;
  up.group_ifname = "model-go-0";
  up.bssid = bssid_;
  up.ssid = config.credentials.ssid;
  up.freq_mhz = config.freq_mhz;
  up.phases.push_back({LinkPhase::kGroupStarted, clock_.monotonic_now(),
                       "link-model: P2P-GROUP-STARTED GO freq=" + std::to_string(config.freq_mhz)});
  return up;
}

StationJoined LinkModelP2pGroupOwner::wait_station(milliseconds timeout) {
  return wait_join(air_, bssid_, reported_, clock_, wait_until_, timeout, "P2P group owner");
}

void LinkModelP2pGroupOwner::stop() {
  if (bssid_.empty()) return;
  air_.remove(bssid_);
  bssid_.clear();
}

// --- station
// --------------------------------------------------------------------------------------------------

LinkModelStation::LinkModelStation(LinkModelAir& air, const Clock& clock, WaitUntil wait_until,
                                   LinkModelTiming timing, std::string mac)
    : air_(air), clock_(clock), wait_until_(std::move(wait_until)), timing_(timing), mac_(std::move(mac)) {}

LinkModelStation::~LinkModelStation() {
  leave();
}

Joined LinkModelStation::join(const JoinRequest& req) {
  validate(req.credentials);
  leave();
  Joined joined;
  auto& phases = joined.phases;
  const auto t0 = clock_.monotonic_now();
  const auto deadline = t0 + req.timeout;
  const std::string what = "join '" + req.credentials.ssid + "' (link model): ";
  auto timeout = [&](const std::string& where) {
    return WifiError(
        WifiErrc::kTimeout,
        what + "not connected within " + std::to_string(req.timeout.count()) + " ms (" + where + ")", phases);
  };
  phases.push_back({LinkPhase::kRequested, t0, "link-model: join requested"});

  // Scan (one channel when known) until the SSID shows up or the deadline passes, like wpa_supplicant.
  const auto scan_time = req.freq_mhz ? timing_.scan_one_channel : timing_.scan_all_channels;
  std::optional<LinkModelAir::Network> network;
  int scans = 0;
  while (!network) {
    phases.push_back(
        {LinkPhase::kScanStarted, clock_.monotonic_now(), "link-model: CTRL-EVENT-SCAN-STARTED"});
    if (!pass(clock_, wait_until_, scan_time, deadline)) break;
    ++scans;
    phases.push_back(
        {LinkPhase::kScanResults, clock_.monotonic_now(), "link-model: CTRL-EVENT-SCAN-RESULTS"});
    network = air_.find(req.credentials.ssid, req.freq_mhz);
  }
  if (!network) {
    if (scans == 0) throw timeout("first scan not finished");
    throw WifiError(WifiErrc::kNetworkNotFound,
                    what + "not found in " + std::to_string(scans) + " scan(s)" +
                        (req.freq_mhz ? " on " + std::to_string(*req.freq_mhz) + " MHz" : ""),
                    phases);
  }

  phases.push_back({LinkPhase::kAssociating, clock_.monotonic_now(),
                    "link-model: Trying to associate with " + network->bssid});
  if (!pass(clock_, wait_until_, timing_.association, deadline)) throw timeout("associating");
  phases.push_back(
      {LinkPhase::kAssociated, clock_.monotonic_now(), "link-model: Associated with " + network->bssid});
  if (!pass(clock_, wait_until_, timing_.handshake, deadline)) throw timeout("4-way handshake");
  // The AP side of the 4-way handshake: the station's PTK only matches when the passphrases do.
  if (!same_secret(network->credentials.passphrase, req.credentials.passphrase)) {
    throw WifiError(WifiErrc::kWrongPassphrase,
                    what + "4-way handshake failed: wrong passphrase (link-model: reason=WRONG_KEY)", phases);
  }
  if (!air_.associate(network->bssid, mac_, clock_.monotonic_now()))
    throw timeout("the network left the air during the handshake");
  joined_bssid_ = network->bssid;
  joined.bssid = network->bssid;
  joined.freq_mhz = network->freq_mhz;
  phases.push_back({LinkPhase::kConnected, clock_.monotonic_now(),
                    "link-model: CTRL-EVENT-CONNECTED - Connection to " + network->bssid + " completed"});
  if (req.obtain_address) {
    auto ip = air_.lease(network->bssid);
    if (!ip) {
      // udhcpc keeps sending DISCOVERs until its timeout (or the join's deadline, whichever is first).
      auto give_up = std::min(clock_.monotonic_now() + req.dhcp_timeout, deadline);
      wait_until_(give_up);
      leave();
      throw WifiError(WifiErrc::kDhcpFailed,
                      what + "no DHCP lease within " + std::to_string(req.dhcp_timeout.count()) +
                          " ms (link-model: the network serves no addresses)",
                      phases);
    }
    if (!pass(clock_, wait_until_, timing_.dhcp, deadline)) {
      leave();
      throw timeout("DHCP");
    }
    joined.ip_address = *ip;
    phases.push_back({LinkPhase::kIpAddress, clock_.monotonic_now(), "link-model: DHCP lease ip=" + *ip});
  }
  return joined;
}

void LinkModelStation::leave() {
  if (joined_bssid_.empty()) return;
  air_.disassociate(joined_bssid_, mac_);
  joined_bssid_.clear();
}

}  // namespace tapbench::wifi
