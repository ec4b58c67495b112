#include "rig/radio_lab/radio_lab_run.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <variant>

#include "rig/supervisor/child_process.hpp"

namespace tapbench::rig {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool lab_radio(const Device* d, const std::string& lab) {
  if (!d) return false;
  if (const auto* h = std::get_if<HostapdBackend>(&d->config)) return h->radio_lab == lab;
  if (const auto* s = std::get_if<WpaSupplicantBackend>(&d->config)) return s->radio_lab == lab;
  return false;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

bool executable(const fs::path& p) {
  return !p.empty() && ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p);
}

std::string in_path(const std::string& name) {
  std::stringstream path(env_or("PATH", "/usr/bin:/bin"));
  std::string dir;
  while (std::getline(path, dir, ':'))
    if (!dir.empty() && executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  return "";
}

std::string tail_of(const fs::path& file, std::size_t max_bytes = 1500) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "(no " + file.string() + ")";
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.size() > max_bytes) text = "…" + text.substr(text.size() - max_bytes);
  return text;
}

// Follows a growing text file: each call returns the complete lines added since the last one.
class LineFollower {
 public:
  explicit LineFollower(fs::path file) : file_(std::move(file)) {}
  std::vector<std::string> poll() {
    std::vector<std::string> lines;
    std::ifstream in(file_, std::ios::binary);
    if (!in) return lines;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    for (auto nl = chunk.find('\n'); nl != std::string::npos; nl = chunk.find('\n', start)) {
      lines.push_back(chunk.substr(start, nl - start));
      start = nl + 1;
    }
    offset_ += start;
    return lines;
  }

 private:
  fs::path file_;
  std::size_t offset_ = 0;
};

// Runs the radio-lab script to its end (bounded by `deadline`), echoing its own log lines and the guest
// script's output (SHARE/radio-lab/run.log, written through the 9p share while the VM runs).
std::string run_script(const std::vector<std::string>& argv, const fs::path& log, const fs::path& guest_log,
                       std::chrono::seconds deadline, const std::atomic<bool>* interrupted,
                       const std::atomic<bool>* kill_now, const fs::path& stop_file, std::ostream& out) {
  const Clock& clock = RealClock::instance();
  ChildProcess child(argv, log, clock);
  LineFollower script_lines(log), guest_lines(guest_log);
  auto until = clock.monotonic_now() + deadline;
  bool stop_requested = false;
  auto echo = [&] {  // the guest's lines first: the script's own closing line comes after them
    for (const auto& l : guest_lines.poll()) {
      // The guest's run folder is /tmp/tapbench-run until it is copied back: its paths mean nothing here.
      if (l.rfind("tapbench: run folder ", 0) == 0 || l.rfind("tapbench: report ", 0) == 0) continue;
      out << l << "\n";
    }
    for (const auto& l : script_lines.poll())
      out << "  [lab] " << l << "\n";
    out.flush();
  };
  while (child.running()) {
    echo();
    if (interrupted && interrupted->load() && !stop_requested && !stop_file.empty()) {
      // Ask the guest's tapbench to stop cleanly (tapbench-in-lab.sh watches for this file); the VM gets
      // a bounded while to finish and bring the run folder back, then it is killed.
      stop_requested = true;
      std::ofstream(stop_file) << "stop\n";
      out << "  [lab] interrupted: asking the run inside to stop (at most 60 s, Ctrl-C again kills the VM)\n";
      until = std::min(until, clock.monotonic_now() + 60s);
    }
    if (interrupted && interrupted->load() && (stop_file.empty() || (kill_now && kill_now->load()))) {
      out << "  [lab] killing the VM\n";
      return child.stop(2s);
    }
    if (clock.monotonic_now() >= until) {
      out << "  [lab] the radio lab did not end by its deadline: killing it\n";
      child.stop(2s);
      return "deadline passed";
    }
    std::this_thread::sleep_for(200ms);  // following the logs; bounded by the deadline above
  }
  echo();
  return child.stop(0ms);
}

}  // namespace

const Device* radio_lab_device(const Bench& bench) {
  for (const auto& d : bench.devices) {
    if (!std::holds_alternative<QemuHwsimBackend>(d.config)) continue;
    for (Role r : {Role::kPhoneRadio, Role::kPrinterRadio, Role::kRouter})
      if (lab_radio(bench.device_for(r), d.name)) return &d;
  }
  return nullptr;
}

bool inside_radio_lab() {
  const char* v = std::getenv("RADIO_ROUTER_CTRL");
  return v && *v;
}

RadioLabLocation locate_radio_lab() {
  RadioLabLocation loc;
  std::vector<std::pair<fs::path, std::string>> scripts;
  if (const char* v = std::getenv("TAPBENCH_RADIO_LAB_SCRIPT"); v && *v)
    scripts.push_back({v, "$TAPBENCH_RADIO_LAB_SCRIPT"});
  scripts.push_back({fs::path(TAPBENCH_SOURCE_DIR) / "sim/radio-lab/radio-lab", "the source tree"});
  scripts.push_back({fs::path(TAPBENCH_RADIO_LAB_DATADIR) / "radio-lab", "the installed share directory"});
  std::string tried;
  for (const auto& [path, from] : scripts) {
    if (executable(path) && fs::exists(path.parent_path() / "checks/tapbench-in-lab.sh")) {
      loc.script = path;
      loc.script_from = from;
      break;
    }
    tried += (tried.empty() ? "" : ", ") + path.string();
  }
  if (loc.script.empty())
    throw RadioLabError("the radio-lab script is not found (tried " + tried +
                        "); set TAPBENCH_RADIO_LAB_SCRIPT to sim/radio-lab/radio-lab");

  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path build(TAPBENCH_BUILD_DIR);
  if (const char* v = std::getenv("TAPBENCH_RADIO_LAB_CACHE"); v && *v) {
    loc.cache = v;
    loc.cache_from = "$TAPBENCH_RADIO_LAB_CACHE";
  } else if (!ec && self.string().rfind(build.string() + "/", 0) == 0) {
    loc.cache = build / "radio-lab";
    loc.cache_from = "the build tree";
  } else {
    const char* home = std::getenv("HOME");
    loc.cache = fs::path(env_or("XDG_CACHE_HOME", std::string(home ? home : "/tmp") + "/.cache")) /
                "tapbench" / "radio-lab";
    loc.cache_from = "the user's cache";
  }
  return loc;
}

int run_in_radio_lab(const RadioLabRun& run, std::ostream& out, const std::atomic<bool>* interrupted,
                     const std::atomic<bool>* kill_now) {
  if (in_path("qemu-system-x86_64").empty()) {
    throw RadioLabError(
        "the hwsim bench boots a qemu VM, and qemu-system-x86_64 is not installed here: apt-get install "
        "qemu-system-x86 (scripts/install-deps); `tapbench doctor` shows what else the bench needs");
  }
  const RadioLabLocation loc = locate_radio_lab();
  const fs::path share = run.run_dir / "radio-lab";
  fs::create_directories(share);
  for (const auto& [from, name] : run.files)
    fs::copy_file(from, share / name, fs::copy_options::overwrite_existing);

  // The project's programs the lab needs besides tapbench itself.
  std::vector<std::string> bins;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw RadioLabError("cannot find the running tapbench (/proc/self/exe): " + ec.message());
  bins.push_back(self.string());
  for (const auto& [name, subdir] : {std::pair{"printerd", "firmware-under-test/port/linux"},
                                     std::pair{"vendord", "server"}, std::pair{"pn532-sim", "sim/pn532"}}) {
    std::string p = find_program(name, subdir);
    if (p.find('/') == std::string::npos) p = in_path(p);
    if (!executable(p)) {
      std::string var = "TAPBENCH_";
      for (const char* c = name; *c; ++c)
        var += *c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*c)));
      throw RadioLabError(std::string(name) +
                          " is not found next to tapbench, in its build tree or in PATH: " +
                          "the lab runs the bench's parties inside; build it or set " + var + "_BIN");
    }
    bins.push_back(p);
  }

  out << "tapbench: the bench's radios are in radio lab VM (" << loc.script.string() << " from "
      << loc.script_from << ", image cache " << loc.cache.string() << " from " << loc.cache_from
      << "): booting it and running inside, VM deadline " << run.vm_deadline.count() << " s\n";
  out.flush();
  fs::create_directories(loc.cache);
  const std::string build =
      run_script({loc.script.string(), "build", "--cache", loc.cache.string()}, share / "image-build.log",
                 share / "image-build.guest.log", 600s, interrupted, nullptr, {}, out);
  if (build != "exited 0") {
    throw RadioLabError("the radio-lab image cannot be built here (" + build + "); " +
                        (share / "image-build.log").string() + " ends with:\n" +
                        tail_of(share / "image-build.log"));
  }

  // The guest's tapbench gets SIGTERM this long before the VM's deadline, so it ends the run cleanly and
  // the run folder is copied back (boot + radio-lab-up take ≈ 20 s under TCG).
  const auto inner = std::max<long long>(30, run.vm_deadline.count() - 40);
  std::vector<std::string> argv = {
      loc.script.string(), "run",          "--cache",   loc.cache.string(),
      "--share",           share.string(), "--timeout", std::to_string(run.vm_deadline.count())};
  if (run.lab)
    argv.insert(argv.end(), {"--accel", run.lab->accel, "--mem", std::to_string(run.lab->memory_mb)});
  for (const auto& b : bins)
    argv.insert(argv.end(), {"--bin", b});
  argv.insert(argv.end(), {"--", (loc.script.parent_path() / "checks/tapbench-in-lab.sh").string(),
                           "--deadline", std::to_string(inner)});
  argv.insert(argv.end(), run.tapbench_args.begin(), run.tapbench_args.end());
  for (const auto& a : run.tapbench_args) {
    if (a.find_first_of(" \t\n") != std::string::npos)
      throw RadioLabError("argument '" + a + "' has blanks: the radio lab passes arguments split on blanks");
  }
  fs::remove(share / "radio-lab" / "run.log");
  // The variables the inner run needs, in a file only the owner reads; removed whatever happens.
  const fs::path env_file = share / "lab-env";
  struct EnvFileGuard {
    fs::path path;
    ~EnvFileGuard() {
      std::error_code ec;
      fs::remove(path, ec);
    }
  } env_guard{env_file};
  if (!run.env.empty()) {
    std::ofstream(env_file).close();
    fs::permissions(env_file, fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream f(env_file, std::ios::trunc);
    for (const auto& [name, value] : run.env) {
      std::string quoted;
      for (char c : value)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      f << "export " << name << "='" << quoted << "'\n";
    }
    if (!f) throw RadioLabError("cannot write " + env_file.string());
  }
  const std::string status =
      run_script(argv, share / "radio-lab.log", share / "radio-lab" / "run.log", run.vm_deadline + 30s,
                 interrupted, kill_now, share / "radio-lab" / "stop-run", out);

  // The run folder the guest copied to the share becomes the host's run folder.
  const fs::path back = share / "run";
  const bool have_run = fs::exists(back / "run.jsonl");
  if (have_run) {
    for (const auto& e : fs::directory_iterator(back))
      fs::rename(e.path(), run.run_dir / e.path().filename());
    fs::remove_all(back);
  }
  std::optional<int> code;
  if (std::ifstream f(share / "radio-lab" / "exit-code"); f) {
    int c = 0;
    if (f >> c) code = c;
  }
  if (interrupted && interrupted->load() && !have_run) return 130;
  if (!code || !have_run) {
    throw RadioLabError("the radio lab " + (code ? "ran" : "stopped (" + status + ")") +
                        (have_run ? "" : " and no run folder came back") + "; " +
                        (share / "radio-lab.log").string() + " ends with:\n" +
                        tail_of(share / "radio-lab.log") +
                        "\nthe guest's output: " + (share / "radio-lab" / "run.log").string());
  }
  return *code;
}

}  // namespace tapbench::rig
