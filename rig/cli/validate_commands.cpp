// `tapbench bench validate FILE…`, `tapbench bench show NAME`, and the same for suites.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "rig/bench/bench_loader.hpp"
#include "rig/cases/builtin_cases.hpp"
#include "rig/cli/exit_codes.hpp"
#include "rig/cli/rig_commands.hpp"
#include "rig/suite/suite_loader.hpp"

namespace tapbench::cli {
namespace {

std::string roles_line(const rig::Bench& bench) {
  std::string out;
  for (const auto& [role, device] : bench.roles) {
    if (!out.empty()) out += ", ";
    out += std::string(rig::to_string(role)) + "=" + device;
  }
  return out;
}

// Validates each file; prints one OK line per good file (stdout) and every problem of a bad one (stderr).
template <typename Load, typename Describe>
int validate_all(const std::vector<std::string>& files, const char* command, Load load, Describe describe) {
  int code = kExitOk;
  for (const auto& file : files) {
    try {
      const auto loaded = load(file);
      std::cout << file << ": OK — " << describe(loaded) << "\n";
    } catch (const rig::ValidationError& e) {
      std::cerr << e.what() << "\n"
                << file << ": " << e.issues().size() << " problem" << (e.issues().size() == 1 ? "" : "s")
                << "\n";
      if (code == kExitOk) code = kExitDataError;
    } catch (const rig::InputError& e) {
      std::cerr << "tapbench " << command << ": " << e.what() << "\n";
      code = kExitNoInput;
    }
  }
  return code;
}

int show(const std::string& name, std::span<const rig::EmbeddedFile> files, const char* what) {
  for (const auto& f : files) {
    if (f.name == name) {
      std::cout << f.text;
      return kExitOk;
    }
  }
  std::cerr << "tapbench: no built-in " << what << " named '" << name << "'; built in:";
  for (const auto& f : files)
    std::cerr << " " << f.name;
  std::cerr << "\n";
  return kExitNoInput;
}

}  // namespace

void register_validate_commands(CLI::App& app, CommandResult& result) {
  auto* bench = app.add_subcommand("bench", "Check and print bench files (docs/BENCH.md)");
  bench->require_subcommand(1);
  auto bench_files = std::make_shared<std::vector<std::string>>();
  auto* bench_validate = bench->add_subcommand(
      "validate",
      "Validate bench files: every problem with file:line:column, the expected shape and a "
      "did-you-mean. Exit 0 valid, 65 invalid, 66 unreadable.");
  bench_validate
      ->add_option("FILE", *bench_files, "bench file(s), or a built-in name (sim, hwsim, lab-example)")
      ->required();
  bench_validate->callback([bench_files, &result] {
    result.exit_code =
        validate_all(*bench_files, "bench validate", &rig::load_bench, [](const rig::Bench& b) {
          return "bench '" + b.name + "', " + std::to_string(b.devices.size()) +
                 " devices, roles: " + roles_line(b);
        });
  });
  auto bench_name = std::make_shared<std::string>();
  auto* bench_show = bench->add_subcommand("show", "Print a built-in bench (a starting point for your own)");
  bench_show->add_option("NAME", *bench_name, "sim, hwsim or lab-example")->required();
  bench_show->callback(
      [bench_name, &result] { result.exit_code = show(*bench_name, rig::embedded_benches(), "bench"); });

  auto* suite = app.add_subcommand("suite", "Check and print suite files (docs/BENCH.md)");
  suite->require_subcommand(1);
  auto suite_files = std::make_shared<std::vector<std::string>>();
  auto* suite_validate = suite->add_subcommand(
      "validate",
      "Validate suite files against the cases of this build (IDs, phases, durations, lifetimes). "
      "Exit 0 valid, 65 invalid, 66 unreadable.");
  suite_validate
      ->add_option("FILE", *suite_files, "suite file(s), or a built-in name (smoke, nightly, soak, load)")
      ->required();
  suite_validate->callback([suite_files, &result] {
    const auto known = rig::make_case_registry().known();
    result.exit_code = validate_all(
        *suite_files, "suite validate", [&](const std::string& f) { return rig::load_suite(f, known); },
        [](const rig::Suite& s) {
          return "suite '" + s.name + "', " + std::to_string(s.cases.size()) + " case entries";
        });
  });
  auto suite_name = std::make_shared<std::string>();
  auto* suite_show = suite->add_subcommand("show", "Print a built-in suite");
  suite_show->add_option("NAME", *suite_name, "smoke, nightly, soak or load")->required();
  suite_show->callback(
      [suite_name, &result] { result.exit_code = show(*suite_name, rig::embedded_suites(), "suite"); });
}

}  // namespace tapbench::cli
