// `tapbench run`, `tapbench soak`, `tapbench list`, `tapbench report`: run suites on a bench into a run
// folder, optionally serving Prometheus metrics while they run (rig/metrics).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "protocol/clock/clock.hpp"
#include "rig/bench/bench_health.hpp"
#include "rig/bench/bench_loader.hpp"
#include "rig/bench/yaml_check.hpp"
#include "rig/cases/builtin_cases.hpp"
#include "rig/cli/exit_codes.hpp"
#include "rig/cli/rig_commands.hpp"
#include "rig/metrics/metrics_observer.hpp"
#include "rig/metrics/metrics_server.hpp"
#include "rig/radio_lab/radio_lab_run.hpp"
#include "rig/report/run_folder.hpp"
#include "rig/report/run_record.hpp"
#include "rig/report/summary.hpp"
#include "rig/runner/progress.hpp"
#include "rig/runner/runner.hpp"
#include "rig/suite/suite_loader.hpp"

namespace tapbench::cli {
namespace {

// Interrupted runs exit 128 + the signal, as shells report it: 130 for Ctrl-C (SIGINT), 143 for SIGTERM.
std::atomic<int> g_signal{0};

struct RunArgs {
  std::string bench = "sim";
  std::string suite;
  std::string only_case;
  std::optional<int> cycles;
  std::optional<int> retries;
  std::string out;
  bool skip_health_check = false;
  std::string metrics;                        // ADDR:PORT of the /metrics endpoint; empty: none
  std::chrono::milliseconds metrics_hold{0};  // after the run: serve until one more scrape, at most this long
  bool soak = false;                          // `tapbench soak`: cycle until the duration or Ctrl-C
  std::optional<std::chrono::milliseconds> duration;                // soak: every case cycles this long
  std::chrono::milliseconds lab_timeout{std::chrono::minutes(15)};  // radio-lab VM deadline (hwsim, host)
};

// Set by a Ctrl-C while the final metrics are being held for a last scrape.
std::atomic<bool> g_hold_stop{false};

// The runner a signal handler may stop (one at a time in a process).
std::atomic<rig::Runner*> g_running{nullptr};

extern "C" void on_interrupt(int signo) {
  g_signal.store(signo);
  if (rig::Runner* r = g_running.load()) r->request_stop();
  // A second Ctrl-C kills the rig the default way.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

extern "C" void on_interrupt_hold(int /*signo*/) {
  g_hold_stop.store(true);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// The suite to run: a suite file/name, optionally narrowed to one case; or, with --case alone, that case with
// the built-in defaults.
rig::Suite make_suite(const RunArgs& args, const rig::CaseRegistry& registry) {
  const auto known = registry.known();
  rig::Suite suite;
  if (!args.suite.empty() || args.only_case.empty()) {
    suite = rig::load_suite(args.suite.empty() ? (args.soak ? "soak" : "smoke") : args.suite, known);
  } else {
    suite.name = args.only_case;
    suite.source = "--case " + args.only_case;
    rig::SuiteCase c;
    c.id = args.only_case;
    c.cycles = 1;
    suite.cases.push_back(c);
  }
  if (!args.only_case.empty()) {
    if (!registry.find(args.only_case)) {
      std::vector<std::string> ids;
      for (const auto& k : known)
        ids.push_back(k.id);
      const std::string hint = rig::did_you_mean(args.only_case, ids);
      throw CLI::ValidationError("--case", "unknown case '" + args.only_case + "'" +
                                               (hint.empty() ? "" : "; " + hint) +
                                               " (`tapbench list` shows them)");
    }
    std::erase_if(suite.cases, [&](const rig::SuiteCase& c) { return c.id != args.only_case; });
    if (suite.cases.empty()) {
      throw CLI::ValidationError("--case", "suite '" + suite.name + "' has no case '" + args.only_case + "'");
    }
  }
  for (auto& c : suite.cases) {
    if (args.cycles) {
      c.cycles = *args.cycles;
      c.duration.reset();
    }
    if (args.retries) c.retries = *args.retries;
    if (args.soak) {
      // A soak cycles by time: --duration for every case, else the suite's duration, else until Ctrl-C.
      c.cycles.reset();
      if (args.duration) c.duration = *args.duration;
    }
  }
  return suite;
}

std::atomic<bool> g_lab_interrupted{false};
std::atomic<bool> g_lab_kill{false};
extern "C" void on_interrupt_lab(int signo) {
  if (g_lab_interrupted.exchange(true)) g_lab_kill.store(true);  // the second Ctrl-C
  g_signal.store(signo);
}

// A bench whose radios live in a radio-lab VM, started on the host: boot the lab, run the same command inside
// (rig/radio_lab/radio_lab_run.hpp), bring the run folder back. TAPBENCH_RADIO_LAB=off runs in place instead.
int run_in_lab(const RunArgs& args, const rig::Bench& bench, const rig::Suite& suite, const rig::Device& lab,
               const char* command) {
  if (!args.metrics.empty()) {
    std::cerr << command << ": --metrics: bench '" << args.bench
              << "' runs inside its radio lab VM, whose rig serves no port to this host; run without "
                 "--metrics (the run folder comes back)\n";
    return kExitUsage;
  }
  rig::RadioLabRun r;
  r.lab = std::get_if<rig::QemuHwsimBackend>(&lab.config);
  r.tapbench_args.push_back(args.soak ? "soak" : "run");
  // A bench or suite given as a file goes into the share; a built-in name is passed as it is.
  auto file_or_name = [&](const std::string& flag, const std::string& value, const char* name) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(value, ec)) {
      r.files.emplace_back(value, name);
      r.tapbench_args.insert(r.tapbench_args.end(), {flag, std::string("/share/") + name});
    } else {
      r.tapbench_args.insert(r.tapbench_args.end(), {flag, value});
    }
  };
  file_or_name("--bench", args.bench, "bench.yaml");
  if (!args.suite.empty()) file_or_name("--suite", args.suite, "suite.yaml");
  if (!args.only_case.empty()) r.tapbench_args.insert(r.tapbench_args.end(), {"--case", args.only_case});
  if (args.cycles) r.tapbench_args.insert(r.tapbench_args.end(), {"--cycles", std::to_string(*args.cycles)});
  if (args.retries)
    r.tapbench_args.insert(r.tapbench_args.end(), {"--retries", std::to_string(*args.retries)});
  if (args.duration)
    r.tapbench_args.insert(r.tapbench_args.end(),
                           {"--duration", std::to_string(args.duration->count()) + "ms"});
  if (args.skip_health_check) r.tapbench_args.push_back("--skip-health-check");
  // A network's passphrase-env is read by the rig inside: the variable goes in with the run (not logged).
  for (const auto& d : bench.devices) {
    if (!d.network || !d.network->passphrase_env) continue;
    if (const char* v = std::getenv(d.network->passphrase_env->c_str()))
      r.env.emplace_back(*d.network->passphrase_env, v);
  }
  r.vm_deadline = std::chrono::duration_cast<std::chrono::seconds>(args.lab_timeout);
  if (args.duration)
    r.vm_deadline = std::max(r.vm_deadline, std::chrono::duration_cast<std::chrono::seconds>(*args.duration) +
                                                std::chrono::minutes(5));

  const Clock& clock = RealClock::instance();
  r.run_dir = args.out.empty() ? rig::default_run_folder(clock, suite.name) : std::filesystem::path(args.out);
  try {
    rig::prepare_run_folder(r.run_dir);
  } catch (const rig::RunFolderError& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return kExitIoError;
  }
  g_lab_interrupted.store(false);
  g_lab_kill.store(false);
  std::signal(SIGINT, on_interrupt_lab);
  std::signal(SIGTERM, on_interrupt_lab);
  int code = kExitInfrastructure;
  try {
    code = rig::run_in_radio_lab(r, std::cerr, &g_lab_interrupted, &g_lab_kill);
  } catch (const std::exception& e) {
    std::cerr << command << ": " << e.what() << "\n";
    code = kExitInfrastructure;
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::cerr << "tapbench: run folder " << r.run_dir.string()
            << " (run.jsonl, junit.xml, summary.txt, summary.json, report.html; the radio lab's logs in "
            << (r.run_dir / "radio-lab").string() << ")\n";
  return code;
}

int run(const RunArgs& args) {
  const char* const command = args.soak ? "tapbench soak" : "tapbench run";
  const rig::CaseRegistry registry = rig::make_case_registry();
  rig::Bench bench;
  rig::Suite suite;
  try {
    bench = rig::load_bench(args.bench);
    suite = make_suite(args, registry);
  } catch (const rig::ValidationError& e) {
    std::cerr << e.what() << "\n";
    return kExitDataError;
  } catch (const rig::InputError& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return kExitNoInput;
  } catch (const CLI::ValidationError& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return kExitUsage;
  }
  if (const rig::Device* lab = rig::radio_lab_device(bench);
      lab && !rig::inside_radio_lab() &&
      std::string(std::getenv("TAPBENCH_RADIO_LAB") ? std::getenv("TAPBENCH_RADIO_LAB") : "") != "off") {
    return run_in_lab(args, bench, suite, *lab, command);
  }

  // Metrics: the endpoint listens before the run folder is made (a port in use leaves nothing behind) and
  // before the first cycle (a scrape never misses one).
  std::unique_ptr<rig::MetricsServer> metrics_server;
  if (!args.metrics.empty()) {
    try {
      metrics_server = std::make_unique<rig::MetricsServer>(args.metrics);
    } catch (const rig::MetricsAddressError& e) {
      std::cerr << command << ": " << e.what() << "\n";
      return kExitUsage;
    } catch (const std::exception& e) {
      std::cerr << command << ": " << e.what() << "\n";
      return kExitInfrastructure;
    }
  }

  const Clock& clock = RealClock::instance();
  const std::filesystem::path dir =
      args.out.empty() ? rig::default_run_folder(clock, suite.name) : std::filesystem::path(args.out);
  try {
    rig::prepare_run_folder(dir);
  } catch (const rig::RunFolderError& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return kExitIoError;
  }

  rig::SecretRegistry secrets;
  std::unique_ptr<rig::RunRecordWriter> record;
  try {
    record = std::make_unique<rig::RunRecordWriter>(
        dir / rig::kRunRecordFile, secrets,
        rig::RunHeader{"", "", "", "", TAPBENCH_VERSION, hostname(), rig::iso8601(clock.system_now())});
  } catch (const std::exception& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return kExitIoError;
  }
  rig::ProgressPrinter progress(std::cerr, clock, rig::is_terminal(STDERR_FILENO),
                                rig::color_allowed(STDERR_FILENO));
  rig::ObserverList observers;
  observers.add(*record);
  observers.add(progress);
  std::unique_ptr<rig::MetricsObserver> metrics;
  if (metrics_server) {
    metrics = std::make_unique<rig::MetricsObserver>(metrics_server->registry(), TAPBENCH_VERSION);
    observers.add(*metrics);
    std::cerr << "tapbench: metrics on " << metrics_server->url() << "\n";
  }

  rig::Runner runner(clock, registry, secrets, observers);
  record->on_write_error([&runner, command](const std::string& why) {
    std::cerr << command << ": " << why << " — stopping the run\n";
    runner.request_stop();
  });
  rig::RunOptions options;
  options.run_dir = dir;
  if (!args.skip_health_check) {
    options.health_check = [&bench, probe = rig::system_probe()]() -> std::optional<std::string> {
      const auto problems = rig::bench_health_problems(bench, probe);
      if (problems.empty()) return std::nullopt;
      std::string text;
      for (const auto& p : problems)
        text += (text.empty() ? "" : "; ") + p;
      return text;
    };
  }
  g_running.store(&runner);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  const rig::RunResult result = runner.run(bench, suite, options);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  g_running.store(nullptr);

  try {
    rig::ReportOptions report_options;
    report_options.secrets = &secrets;
    rig::write_reports(dir, record->data(), report_options);
  } catch (const rig::RunFolderError& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return kExitIoError;
  }
  std::cerr << "tapbench: run folder " << dir.string()
            << " (run.jsonl, junit.xml, summary.txt, summary.json, report.html)\n";
  std::cerr << "tapbench: report " << (dir / "report.html").string() << "\n";
  if (metrics_server && args.metrics_hold.count() > 0) {
    // The run folder is complete; give Prometheus one more scrape of the final values. Count from before the
    // line below: a scraper that reacts to it at once must not be missed.
    const std::uint64_t seen = metrics_server->scrapes();
    std::cerr << "tapbench: serving the final metrics on " << metrics_server->url()
              << " until the next scrape (at most " << rig::format_duration(args.metrics_hold) << ")\n";
    g_hold_stop.store(false);
    std::signal(SIGINT, on_interrupt_hold);
    std::signal(SIGTERM, on_interrupt_hold);
    const bool scraped = metrics_server->wait_for_scrape_after(seen, args.metrics_hold, g_hold_stop);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::cerr << "tapbench: "
              << (scraped ? "final metrics scraped" : "no scrape of the final metrics (stopped waiting)")
              << "\n";
  }
  if (!record->write_error().empty()) return kExitIoError;
  if (result.interrupted) return 128 + (g_signal.load() != 0 ? g_signal.load() : SIGINT);
  return rig::run_exit_code(result);
}

int list_cases(bool verbose) {
  const rig::CaseRegistry registry = rig::make_case_registry();
  std::size_t width = 0;
  for (const auto& e : registry.entries())
    width = std::max(width, e.info.id.size());
  for (const auto& e : registry.entries()) {
    std::cout << e.info.id << std::string(width + 2 - e.info.id.size(), ' ')
              << (e.factory ? "runnable " : "planned  ") << e.info.title << "\n";
    if (verbose) {
      std::cout << std::string(width + 2, ' ') << "patent: " << e.info.patent << "\n";
      std::cout << std::string(width + 2, ' ') << "phases:";
      for (const auto& p : e.info.phases)
        std::cout << " " << p;
      std::cout << "\n";
      if (!e.factory) std::cout << std::string(width + 2, ' ') << "SKIP: " << e.unavailable_reason << "\n";
    }
  }
  return kExitOk;
}

int report(const std::string& dir, const std::vector<std::string>& timelines) {
  rig::RunData data;
  try {
    data = rig::read_run_record(std::filesystem::path(dir) / rig::kRunRecordFile);
  } catch (const std::exception& e) {
    std::cerr << "tapbench report: " << e.what() << "\n";
    return std::filesystem::exists(std::filesystem::path(dir) / rig::kRunRecordFile) ? kExitDataError
                                                                                     : kExitNoInput;
  }
  rig::ReportOptions options;
  for (const auto& text : timelines) {
    rig::TimelineChoice choice;
    try {
      choice = rig::parse_timeline_choice(text);
    } catch (const std::invalid_argument& e) {
      std::cerr << "tapbench report: --" << e.what() << "\n";
      return kExitUsage;
    }
    bool found = false;
    for (const auto& c : data.cases)
      for (const auto& r : c.cycles)
        found |= c.id == choice.case_id && r.cycle == choice.cycle &&
                 (!choice.attempt || *choice.attempt == r.attempt);
    if (!found) {
      std::cerr << "tapbench report: --timeline " << text << ": the run record has no such cycle"
                << (choice.attempt ? " attempt" : "") << " (cases:";
      for (const auto& c : data.cases)
        std::cerr << " " << c.id << " 1-" << (c.cycles.empty() ? 0 : c.cycles.back().cycle);
      std::cerr << ")\n";
      return kExitUsage;
    }
    options.timelines.push_back(std::move(choice));
  }
  try {
    rig::write_reports(dir, data, options);
  } catch (const rig::RunFolderError& e) {
    std::cerr << "tapbench report: " << e.what() << "\n";
    return kExitIoError;
  }
  std::cout << rig::render_summary_text(data);
  return kExitOk;
}

// A duration option ("30s", "1h30m": docs/BENCH.md conventions) as CLI11 sees it.
CLI::Option* add_duration_option(CLI::App* cmd, const std::string& name,
                                 std::function<void(std::chrono::milliseconds)> store,
                                 const std::string& help) {
  return cmd
      ->add_option_function<std::string>(
          name,
          [name, store](const std::string& text) {
            const auto d = rig::parse_duration(text);
            if (!d) {
              const bool bare = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
              throw CLI::ValidationError(
                  name, "'" + text + "' is not a duration (" + std::string(rig::kDurationShape) + ")" +
                            (bare ? "; add a unit: '" + text + "s' or '" + text + "ms'" : ""));
            }
            store(*d);
          },
          help)
      ->type_name("DURATION");
}

void add_metrics_options(CLI::App* cmd, const std::shared_ptr<RunArgs>& args) {
  auto* metrics =
      cmd->add_option(
             "--metrics", args->metrics,
             "serve Prometheus metrics on ADDR:PORT (127.0.0.1:9464, :9464 for every interface, port 0 "
             "picks one) while the run goes; docs/METRICS.md")
          ->type_name("ADDR:PORT");
  add_duration_option(
      cmd, "--metrics-hold", [args](std::chrono::milliseconds d) { args->metrics_hold = d; },
      "after the run (the run folder written), keep serving the final metrics until the next scrape, at most "
      "this long (default: exit at once)")
      ->needs(metrics);
}

void add_common_run_options(CLI::App* cmd, const std::shared_ptr<RunArgs>& args) {
  cmd->add_option("--bench,-b", args->bench, "bench file, or a built-in bench: sim, hwsim, lab-example")
      ->capture_default_str();
  cmd->add_option("--case,-c", args->only_case, "run only this case (`tapbench list`)");
  cmd->add_option("--retries", args->retries, "ERROR retries per cycle (overrides the suite)")
      ->check(CLI::Range(0, 10));
  cmd->add_option("--out,-o", args->out,
                  "run folder (default: runs/<UTC time>-<suite>); must not hold a run");
  cmd->add_flag("--skip-health-check", args->skip_health_check,
                "do not check the bench's external devices (readers, sockets, servers) before the suite and "
                "after an ERROR");
  add_metrics_options(cmd, args);
  add_duration_option(
      cmd, "--lab-timeout", [args](std::chrono::milliseconds d) { args->lab_timeout = d; },
      "a bench whose radios are in a radio lab VM (hwsim), started on the host, boots the VM and runs "
      "inside it: the VM's deadline (default 15m; a soak's --duration + 5m when longer). "
      "TAPBENCH_RADIO_LAB=off runs in place instead");
}

}  // namespace

void register_run_commands(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<RunArgs>();
  auto* run_cmd = app.add_subcommand(
      "run",
      "Run a suite (or one case) on a bench as timed cycles; write the run folder.\n"
      "Exit: 0 all passed, 1 passed only on retry, 2 failures, 3 bench/infrastructure error or nothing ran,\n"
      "64+ usage/input errors, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).");
  run_cmd->add_option(
      "--suite,-s", args->suite,
      "suite file, or a built-in suite: smoke, nightly, soak, load (default: smoke, or only --case)");
  run_cmd->add_option("--cycles,-n", args->cycles, "cycles per case (overrides the suite)")
      ->check(CLI::Range(1, 10'000'000));
  add_common_run_options(run_cmd, args);
  run_cmd->callback([args, &result] { result.exit_code = run(*args); });

  auto soak_args = std::make_shared<RunArgs>();
  soak_args->soak = true;
  auto* soak_cmd = app.add_subcommand(
      "soak",
      "Run a suite (default: soak) cycling by time — every case for --duration, else for the suite's "
      "duration, "
      "else until Ctrl-C — with progress lines and, with --metrics, Prometheus metrics for a dashboard.\n"
      "Ctrl-C ends it cleanly: the cycle in progress stops, teardown runs and the run folder is complete.\n"
      "Exit codes as for `tapbench run` (130 after Ctrl-C).");
  soak_cmd->add_option(
      "--suite,-s", soak_args->suite,
      "suite file, or a built-in suite: smoke, nightly, soak, load (default: soak, or only --case)");
  add_duration_option(
      soak_cmd, "--duration,-d", [soak_args](std::chrono::milliseconds d) { soak_args->duration = d; },
      "cycle every case this long (e.g. 30m, 8h); default: the suite's durations, else until Ctrl-C");
  add_common_run_options(soak_cmd, soak_args);
  soak_cmd->callback([soak_args, &result] { result.exit_code = run(*soak_args); });

  auto verbose = std::make_shared<bool>(false);
  auto* list_cmd = app.add_subcommand("list", "List the cases of this build: ID, runnable or planned, title");
  list_cmd->add_flag("--verbose,-v", *verbose, "also the patent steps, phases, and why a planned case skips");
  list_cmd->callback([verbose, &result] { result.exit_code = list_cases(*verbose); });

  auto dir = std::make_shared<std::string>();
  auto timelines = std::make_shared<std::vector<std::string>>();
  auto* report_cmd = app.add_subcommand(
      "report",
      "Rewrite junit.xml, the summaries and report.html of a run folder from its run.jsonl (e.g. after a "
      "crash) and print the summary");
  report_cmd->add_option("RUN_DIR", *dir, "a run folder")->required();
  report_cmd
      ->add_option("--timeline", *timelines,
                   "draw this cycle's timeline in report.html instead of the default (the slowest and every "
                   "cycle that did not pass, per case); repeatable")
      ->type_name("CASE:CYCLE[:ATTEMPT]");
  report_cmd->callback([dir, timelines, &result] { result.exit_code = report(*dir, *timelines); });
}

void register_rig_commands(CLI::App& app, CommandResult& result) {
  register_run_commands(app, result);
  register_validate_commands(app, result);
}

}  // namespace tapbench::cli
