#include "rig/strategy/sim_bench_strategy.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <variant>

#include "rig/strategy/bench_radio.hpp"
#include "rig/supervisor/child_process.hpp"
#include "sim/clock/sim_clock.hpp"
#include "sim/pn532/control_server.hpp"

namespace tapbench::rig {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Lifetimes go to printerd and vendord in whole seconds (their CLIs' unit); never 0 (0 would mean "now").
std::string seconds_arg(milliseconds d) {
  const auto s = static_cast<long long>(std::ceil(static_cast<double>(d.count()) / 1000.0));
  return std::to_string(std::max(1LL, s));
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_atomically(const fs::path& p, const std::string& text) {
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw StrategyError("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

template <class T>
const T& backend_of(const Bench& bench, Role role, const char* want) {
  const Device* d = bench.device_for(role);
  if (!d)
    throw StrategyUnsupported("bench '" + bench.name + "' binds no device to role '" +
                              std::string(to_string(role)) + "'");
  const auto* b = std::get_if<T>(&d->config);
  if (!b) {
    throw StrategyUnsupported("role '" + std::string(to_string(role)) + "' is device '" + d->name +
                              "' (backend " + d->backend + "); the sim bench strategy needs backend " + want);
  }
  return *b;
}

}  // namespace

SimBenchStrategy::SimBenchStrategy(const Bench& bench, const Lifetimes& lifetimes, fs::path dir,
                                   const Clock& clock, SimBenchOptions options)
    : clock_(clock), dir_(std::move(dir)), options_(options), lifetimes_(lifetimes) {
  const auto& phone = backend_of<Pn532SimBackend>(bench, Role::kPhoneReader, "pn532-sim");
  const auto& tag = backend_of<Pn532SimBackend>(bench, Role::kPrinterTag, "pn532-sim");
  if (phone.field != tag.field) {
    throw StrategyUnsupported("the phone reader (field '" + phone.field + "') and the printer tag (field '" +
                              tag.field + "') are not on one field: the phone could never read the tag");
  }
  phone_link_name_ = bench.device_for(Role::kPhoneReader)->name;
  printer_link_name_ = bench.device_for(Role::kPrinterTag)->name;
  const auto& server = backend_of<VendordBackend>(bench, Role::kServer, "vendord");
  const auto& printer = backend_of<PrinterdBackend>(bench, Role::kPrinter, "printerd");
  int channel = 6;
  const wifi::WifiCredentials router = bench_router_network(bench, channel);
  endpoints_.router_ssid = router.ssid;
  endpoints_.router_passphrase = router.passphrase;
  radio_ = make_bench_radio(bench, clock_, dir_);

  vendord_binary_ = server.binary ? *server.binary : find_program("vendord", "server");
  printerd_binary_ =
      printer.binary ? *printer.binary : find_program("printerd", "firmware-under-test/port/linux");
  vendord_port_ = server.port;
  printerd_port_ = configured_printerd_port_ = printer.port;
  // The run folder keeps the database (":memory:" in the bench means "nothing kept between runs", which a
  // file in this run's folder also gives, and lets a report show what the server held).
  owns_vendord_db_ = server.database == ":memory:";
  vendord_db_ = owns_vendord_db_ ? (dir_ / "vendord.db").string() : server.database;
  // printerd listens on loopback: TLS when the bench says `tls: always` (auto means what a phone on loopback
  // does: plain HTTP, so the performance figures are measured that way). With `phone-traffic: radio` the
  // phone reaches it on its Wi-Fi Direct group's address, from the phone's network namespace: TLS (auto).
  radio_traffic_ = printer.phone_traffic == PhoneTraffic::kRadio;
  if (radio_traffic_) {
    endpoints_.phone_netns = radio_->phone_netns();
    printer_host_ = radio_->printer_group_address();
    if (endpoints_.phone_netns.empty() || printer_host_.empty()) {
      throw StrategyUnsupported("printer '" + bench.device_for(Role::kPrinter)->name +
                                "' says 'phone-traffic: radio', but the bench's radios (" +
                                radio_->backend() +
                                ") give the phone no network namespace of its own: only the radio lab does");
    }
  }
  printer_tls_ = printer_link_uses_tls(printer.link.tls, printer_host_);
  if (printer_tls_) {
    endpoints_.printer_pin = std::make_shared<server::CertificatePin>("printer", printer.link.cert_sha256);
    endpoints_.printer_tls = server::TlsTrust::pinned(endpoints_.printer_pin);
  }
  owns_printer_state_ = !printer.state_dir;
  endpoints_.printer_state = printer.state_dir ? fs::path(*printer.state_dir) : dir_ / "printerd";
  endpoints_.sim_clock = dir_ / "sim-clock";
  if (radio_->backend() == "link-model") endpoints_.air = dir_ / "air";
  endpoints_.phone_reader = "pn532_uart:" + (dir_ / phone_link_name_).string();
  control_socket_ = dir_ / "pn532.ctl";
}

SimBenchStrategy::~SimBenchStrategy() {
  stop(std::chrono::seconds(1));
  scrub_secrets();
}

void SimBenchStrategy::scrub_secrets() noexcept {
  std::error_code ec;
  if (owns_printer_state_) {
    for (fs::directory_iterator it(endpoints_.printer_state, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name == "printerd.log" || name == "output") continue;
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
  if (owns_vendord_db_) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      fs::remove(vendord_db_ + suffix, ec);
  }
}

void SimBenchStrategy::start(MonotonicTime deadline) {
  try {
    fs::create_directories(dir_);
    sim_clock_ = std::make_unique<sim::SimClock>(endpoints_.sim_clock);  // created at offset 0, running
    // The link-model router's start is modelled air time (LinkModelTiming::ap_start, 350 ms) that nothing
    // waits for until the printer joins the router (S29), so it runs beside the processes' start. A printer
    // that already holds router credentials (a bench brought back after a crash) rejoins at boot, and the
    // hwsim bench's printerd needs the lab's radio: those wait for the radio first.
    const bool radio_beside =
        radio_->backend() == "link-model" && !fs::exists(endpoints_.printer_state / "ptb.json");
    auto radio = std::async(std::launch::async, [this, deadline] { radio_->start(deadline); });
    start_pn532(deadline);
    start_vendord(deadline);
    if (!radio_beside) radio.get();
    start_printerd(deadline);
    if (radio.valid()) radio.get();
  } catch (...) {  // a radio start still running has finished: the future's destructor waited for it
    stop(std::chrono::seconds(1));
    throw;
  }
}

void SimBenchStrategy::start_pn532(MonotonicTime deadline) {
  std::vector<std::string> argv = {find_program("pn532-sim", "sim/pn532"),
                                   "--link",
                                   (dir_ / phone_link_name_).string(),
                                   "--link",
                                   (dir_ / printer_link_name_).string(),
                                   "--control",
                                   control_socket_.string()};
  try {
    pn532_ = std::make_unique<ChildProcess>(argv, dir_ / "pn532-sim.log", clock_);
    pn532_->wait_for_log_line("ready", deadline);
  } catch (const ChildProcessError& e) {
    throw StrategyError(std::string("pn532-sim not ready: ") + e.what());
  }
}

void SimBenchStrategy::wait_for_file(ChildProcess& child, const fs::path& file, MonotonicTime deadline,
                                     std::string& content) {
  for (;;) {
    std::error_code ec;
    if (fs::exists(file, ec)) {
      content = read_text(file);
      while (!content.empty() && (content.back() == '\n' || content.back() == ' '))
        content.pop_back();
      if (!content.empty()) return;
    }
    if (!child.running()) {
      throw StrategyError(child.name() + " exited before it was ready; its log ends with:\n" +
                          child.log_tail());
    }
    if (clock_.monotonic_now() >= deadline) {
      throw StrategyError(child.name() + " not ready before the step's deadline (no " + file.string() +
                          "); its log ends with:\n" + child.log_tail());
    }
    std::this_thread::sleep_for(milliseconds(10));  // polling interval, bounded by the deadline above
  }
}

void SimBenchStrategy::start_vendord(MonotonicTime deadline) {
  const fs::path port_file = dir_ / "vendord.port";
  fs::remove(port_file);
  std::vector<std::string> argv = {vendord_binary_,
                                   "--db",
                                   vendord_db_,
                                   "--listen",
                                   "127.0.0.1:" + std::to_string(vendord_port_),
                                   "--port-file",
                                   port_file.string(),
                                   "--sim-clock",
                                   endpoints_.sim_clock.string(),
                                   "--free-pages",
                                   std::to_string(options_.free_pages),
                                   "--ink-low",
                                   std::to_string(options_.ink_low_percent)};
  const auto& s = lifetimes_.server;
  if (s.svwt_ttl) argv.insert(argv.end(), {"--svwt-ttl", seconds_arg(*s.svwt_ttl)});
  if (s.cwt_ttl) argv.insert(argv.end(), {"--cwt-ttl", seconds_arg(*s.cwt_ttl)});
  if (s.svt_idle) argv.insert(argv.end(), {"--svt-idle", seconds_arg(*s.svt_idle)});
  try {
    vendord_ = std::make_unique<ChildProcess>(argv, dir_ / "vendord.log", clock_);
  } catch (const ChildProcessError& e) {
    throw StrategyError(std::string("vendord: ") + e.what());
  }
  std::string port;
  wait_for_file(*vendord_, port_file, deadline, port);
  vendord_port_ = std::stoi(port);
  endpoints_.server_url = "http://127.0.0.1:" + port;
}

void SimBenchStrategy::start_printerd(MonotonicTime deadline) {
  try {
    launch_printerd(deadline);
  } catch (const StrategyError&) {
    // A restart asks for the port the printer had, so that URLs stay put; on a shared host another process
    // may have taken it meanwhile (PAPPL picks ports from 8000 up). Then a free port, unless the bench fixed
    // it.
    if (printerd_port_ == configured_printerd_port_ || printerd_ == nullptr || printerd_->running()) throw;
    if (printerd_->log_tail().find("cannot listen") == std::string::npos) throw;
    printerd_port_ = 0;
    launch_printerd(deadline);
  }
}

// A printer without a PTB starts as a new device: each gets the next ID (dv1, dv2, … counted in the bench
// folder, so a bench brought up again in the same run never reuses an ID vendord already registered).
std::string SimBenchStrategy::next_device_id() {
  const fs::path counter = dir_ / "printer-generation";
  int generation = 0;
  std::ifstream(counter) >> generation;
  ++generation;
  write_atomically(counter, std::to_string(generation) + "\n");
  return "dv" + std::to_string(generation);
}

void SimBenchStrategy::launch_printerd(MonotonicTime deadline) {
  const fs::path& state = endpoints_.printer_state;
  fs::create_directories(state);
  fs::remove(state / "printerd.uri");  // a predecessor's
  if (!fs::exists(state / "ptb.json")) device_id_ = next_device_id();
  radio_->reset_printer_radio(deadline);
  // A printerd (re)start means its group went down with its predecessor: the phone, with radio traffic on
  // the group, leaves it too and rejoins (tap, join) before its next request — never sending into a link
  // its daemon has not yet noticed is gone.
  if (radio_traffic_) radio_->phone_leave();
  // phone-traffic: radio — printerd serves on every address, its group's among them (that address exists
  // only while the group is up: a wildcard listener takes the phone's connections whenever it is).
  std::vector<std::string> argv = {
      printerd_binary_,
      "--state-dir",
      state.string(),
      "--listen",
      (radio_traffic_ ? "0.0.0.0:" : "127.0.0.1:") + std::to_string(printerd_port_),
      "--nfc",
      "pn532_uart:" + (dir_ / printer_link_name_).string(),
      "--server",
      endpoints_.server_url,
      "--radio",
      radio_->printerd_radio(),
      "--sim-clock",
      endpoints_.sim_clock.string(),
      "--device-id",
      device_id_,
      "--page-threshold",
      std::to_string(options_.page_threshold),
      "--ink-low-percent",
      std::to_string(options_.ink_low_percent)};
  // The rig's loopback requests stand for the phone on the group's link (S27).
  // With radio traffic they come from the group's subnet, and only those are the group's link (S27).
  if (radio_traffic_) {
    argv.insert(argv.end(), {"--wfd-subnet", radio_->printer_group_subnet()});
  } else if (radio_->phone_requests_on_loopback()) {
    argv.insert(argv.end(), {"--wfd-subnet", "127.0.0.0/8"});
  }
  if (printer_tls_) argv.insert(argv.end(), {"--tls", "on"});
  const auto& p = lifetimes_.printer;
  if (p.pwt_period) argv.insert(argv.end(), {"--pwt-period", seconds_arg(*p.pwt_period)});
  if (p.pt_idle) argv.insert(argv.end(), {"--pt-idle-timeout", seconds_arg(*p.pt_idle)});
  if (p.svwt_prefetch) argv.insert(argv.end(), {"--svwt-prefetch-period", seconds_arg(*p.svwt_prefetch)});
  if (sim_clock_) printer_boot_offset_ = sim_clock_->offset();
  try {
    // Appended across restarts: a crash and its recovery read as one story.
    printerd_ = std::make_unique<ChildProcess>(argv, dir_ / "printerd.console.log", clock_);
  } catch (const ChildProcessError& e) {
    throw StrategyError(std::string("printerd: ") + e.what());
  }
  std::string uri;
  wait_for_file(*printerd_, state / "printerd.uri", deadline, uri);
  const auto colon = uri.rfind(':');
  const auto slash = uri.find('/', colon);
  printerd_port_ = std::stoi(uri.substr(colon + 1, slash - colon - 1));
  const std::string at = printer_host_ + ":" + std::to_string(printerd_port_);
  endpoints_.printer_ipp_uri = (printer_tls_ ? "ipps://" : "ipp://") + at + "/ipp/print";
  endpoints_.printer_url = (printer_tls_ ? "https://" : "http://") + at;
}

void SimBenchStrategy::stop(milliseconds grace) {
  if (printerd_) printerd_->stop(grace);
  printerd_.reset();
  if (radio_) radio_->stop();
  if (vendord_) vendord_->stop(grace);
  vendord_.reset();
  if (pn532_) pn532_->stop(grace);
  pn532_.reset();
}

bool SimBenchStrategy::healthy(std::string* why) {
  for (auto* c : {pn532_.get(), vendord_.get(), printerd_.get()}) {
    if (!c || !c->running()) {
      if (why) *why = c ? c->name() + " is not running; its log ends with:\n" + c->log_tail() : "not started";
      return false;
    }
  }
  return true;
}

bool SimBenchStrategy::printer_clock_moved_since_boot() {
  if (!sim_clock_ || !printerd_ || !printerd_->running()) return true;
  // advance() raises the offset; resume() only lowers it (the frozen time is taken off): a higher offset
  // than at boot means sim time jumped forward past timers the printer has not run yet.
  return sim_clock_->frozen() || sim_clock_->offset() > printer_boot_offset_;
}

void SimBenchStrategy::restart_printer(MonotonicTime deadline, bool crash) {
  if (printerd_) printerd_->stop(crash ? milliseconds(0) : milliseconds(2000));
  printerd_.reset();
  start_printerd(deadline);
}

void SimBenchStrategy::factory_reset_printer(MonotonicTime deadline) {
  if (printerd_) printerd_->stop(milliseconds(2000));
  printerd_.reset();
  std::error_code ec;
  const fs::path& state = endpoints_.printer_state;
  const fs::path kept = state.parent_path() / (state.filename().string() + ".ssl-kept");
  fs::remove_all(kept, ec);
  fs::rename(state / "ssl", kept, ec);
  const bool keep_ssl = !ec;
  fs::remove_all(state, ec);
  if (keep_ssl) {
    fs::create_directories(state, ec);
    fs::rename(kept, state / "ssl", ec);
  }
  start_printerd(deadline);
}

void SimBenchStrategy::revoke_printer_st(MonotonicTime deadline) {
  std::unique_ptr<ChildProcess> revoke;
  try {
    revoke = std::make_unique<ChildProcess>(
        std::vector<std::string>{vendord_binary_, "revoke-st", "--db", vendord_db_, "--device", device_id_},
        dir_ / "vendord-revoke-st.log", clock_);
  } catch (const ChildProcessError& e) {
    throw StrategyError(std::string("vendord revoke-st: ") + e.what());
  }
  while (revoke->running()) {
    if (clock_.monotonic_now() >= deadline) {
      revoke->stop(milliseconds(0));
      throw StrategyError("vendord revoke-st did not finish in time; its log ends with:\n" +
                          revoke->log_tail());
    }
    std::this_thread::sleep_for(milliseconds(10));  // a one-transaction command; bounded by the deadline
  }
  const std::string status = revoke->stop(milliseconds(0));
  if (status != "exited 0")
    throw StrategyError("vendord revoke-st " + status + "; its log ends with:\n" + revoke->log_tail());
}

std::string SimBenchStrategy::control(const std::string& command) {
  std::string reply;
  try {
    reply = sim::pn532::control_request(control_socket_.string(), command);
  } catch (const std::exception& e) {
    throw StrategyError("pn532-sim control '" + command + "': " + e.what());
  }
  if (reply.rfind("error", 0) == 0 || reply.find("\nerror") != std::string::npos)
    throw StrategyError("pn532-sim control '" + command + "': " + reply);
  return reply;
}

void SimBenchStrategy::tap(bool in_field) {
  control(std::string(in_field ? "place " : "remove ") + printer_link_name_);
}

void SimBenchStrategy::set_ink(const std::string& colour, double percent, MonotonicTime deadline) {
  const fs::path file = endpoints_.printer_state / "ink-sim.json";
  boost::json::object root;
  try {
    root = boost::json::parse(read_text(file)).as_object();
  } catch (const std::exception&) {
    root = {
        {"simulated", true},
        {"levels", boost::json::object{{"cyan", 100}, {"magenta", 100}, {"yellow", 100}, {"black", 100}}}};
  }
  auto& levels = root["levels"].as_object();
  if (const auto* now = levels.if_contains(colour);
      now && now->is_number() && now->to_number<double>() == percent)
    return;
  levels[colour] = percent;
  write_atomically(file, boost::json::serialize(root));
  if (printerd_) restart_printer(deadline);
}

std::vector<int> SimBenchStrategy::pids() const {
  std::vector<int> out;
  for (const auto* c : {pn532_.get(), vendord_.get(), printerd_.get()})
    if (c) out.push_back(c->pid());
  return out;
}

std::string SimBenchStrategy::describe() const {
  std::string out;
  auto add = [&](const char* what, const std::unique_ptr<ChildProcess>& c, const std::string& extra) {
    if (!c) return;
    if (!out.empty()) out += ", ";
    out += std::string(what) + " pid " + std::to_string(c->pid()) + extra;
  };
  add("pn532-sim", pn532_, "");
  add("vendord", vendord_, " (" + endpoints_.server_url + ")");
  add("printerd", printerd_, " (" + endpoints_.printer_url + ", device " + device_id_ + ")");
  if (radio_ && !out.empty()) out += ", radio " + radio_->describe();
  return out;
}

}  // namespace tapbench::rig
