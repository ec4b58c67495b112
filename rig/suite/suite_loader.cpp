#include "rig/suite/suite_loader.hpp"

#include <algorithm>
#include <set>

namespace tapbench::rig {

milliseconds Timeouts::for_phase(const std::string& name) const {
  const auto it = phases.find(name);
  return it == phases.end() ? phase : it->second;
}

namespace {

using Keys = std::vector<std::string>;

const Keys kTopKeys = {"suite", "description", "version", "defaults", "lifetimes", "load", "cases"};
const Keys kDefaultsKeys = {"cycles", "duration", "retries", "timeouts"};
const Keys kCaseKeys = {"case", "cycles", "duration", "retries", "timeouts"};
const Keys kTimeoutKeys = {"setup", "teardown", "phase", "cycle", "phases"};
const Keys kLifetimeKeys = {"printer", "server"};
const Keys kPrinterLifetimeKeys = {"pwt-period", "pt-idle", "svwt-prefetch"};
const Keys kServerLifetimeKeys = {"st", "svwt-ttl", "svt-idle", "cwt-ttl"};
const Keys kLoadKeys = {"terminals", "ramp-up", "duration", "think-time", "actions-per-terminal", "mix"};
const Keys kLoadActions = {"tap", "print", "charge", "exchange"};
constexpr int kMaxRetries = 10;
constexpr std::int64_t kMaxCycles = 10'000'000;
const std::string kCaseShape =
    "{case: <case ID>, cycles: <n> | duration: <duration>, retries: <n>, timeouts: {…}}";
const std::string kTimeoutShape =
    "{setup: <duration>, teardown: <duration>, phase: <duration>, cycle: <duration>, phases: {<phase>: "
    "<duration>}}";

struct Defaults {
  std::optional<int> cycles;
  std::optional<milliseconds> duration;
  int retries = 1;
  TimeoutSpec timeouts;
};

class SuiteParser {
 public:
  SuiteParser(const std::string& source, std::span<const KnownCase> known) : check_(source), known_(known) {
    for (const auto& k : known_) {
      case_ids_.push_back(k.id);
      for (const auto& p : k.phases)
        all_phases_.insert(p);
    }
  }

  Suite parse(const std::string& text) {
    Suite suite;
    suite.source = check_.file();
    auto root = check_.parse(text);
    if (!root) check_.throw_if_errors();
    const YAML::Node& top = *root;
    if (!check_.expect_map(top, "a suite file", "a mapping with keys: " + join(kTopKeys)))
      check_.throw_if_errors();
    check_.check_keys(top, kTopKeys, "the suite");
    (void)check_.get_int(top, "version", "the suite", false, 1, 1);
    suite.name = check_.get_string(top, "suite", "the suite", true, "the suite's name").value_or("");
    suite.description = check_.get_string(top, "description", "the suite", false).value_or("");

    Defaults defaults;
    if (const YAML::Node d = top["defaults"]; d.IsDefined()) defaults = parse_defaults(d);
    if (const YAML::Node l = top["lifetimes"]; l.IsDefined()) suite.lifetimes = parse_lifetimes(l);
    if (const YAML::Node l = top["load"]; l.IsDefined()) suite.load = parse_load(l);

    const YAML::Node cases = top["cases"];
    if (!cases.IsDefined()) {
      check_.error(top, "the suite is missing the required key 'cases'", "cases: a list of " + kCaseShape);
    } else if (check_.expect_sequence(cases, "'cases'", "a list of " + kCaseShape)) {
      if (cases.size() == 0) check_.error(cases, "the suite has no cases", "at least one " + kCaseShape);
      for (const auto& node : cases)
        parse_case(node, defaults, suite);
    }
    const bool has_load_case = std::any_of(suite.cases.begin(), suite.cases.end(),
                                           [](const SuiteCase& c) { return c.id == "load"; });
    if (has_load_case && !top["load"].IsDefined()) {
      check_.error(top, "the suite runs the 'load' case but has no 'load' shape",
                   "load: {terminals: <n>, ramp-up: <duration>, duration: <duration>, mix: {…}}");
    }
    if (!has_load_case && top["load"].IsDefined()) {
      check_.error(top["load"], "the suite has a 'load' shape but no 'load' case that would use it",
                   "a case entry {case: load} or no 'load' key");
    }
    check_.throw_if_errors();
    return suite;
  }

 private:
  Defaults parse_defaults(const YAML::Node& node) {
    Defaults d;
    const std::string what = "'defaults'";
    if (!check_.expect_map(node, what, "{cycles: <n>, duration: <duration>, retries: <n>, timeouts: {…}}"))
      return d;
    check_.check_keys(node, kDefaultsKeys, what);
    if (auto c = check_.get_int(node, "cycles", what, false, 1, kMaxCycles)) d.cycles = static_cast<int>(*c);
    d.duration = check_.get_duration(node, "duration", what, false, milliseconds{1});
    d.retries = static_cast<int>(check_.get_int(node, "retries", what, false, 0, kMaxRetries).value_or(1));
    if (const YAML::Node t = node["timeouts"]; t.IsDefined()) d.timeouts = parse_timeouts(t, what, nullptr);
    return d;
  }

  TimeoutSpec parse_timeouts(const YAML::Node& node, const std::string& owner, const KnownCase* known_case) {
    TimeoutSpec t;
    const std::string what = "'timeouts' of " + owner;
    if (!check_.expect_map(node, what, kTimeoutShape)) return t;
    check_.check_keys(node, kTimeoutKeys, what);
    const milliseconds min{1};
    t.setup = check_.get_duration(node, "setup", what, false, min);
    t.teardown = check_.get_duration(node, "teardown", what, false, min);
    t.phase = check_.get_duration(node, "phase", what, false, min);
    t.cycle = check_.get_duration(node, "cycle", what, false, min);
    const YAML::Node phases = node["phases"];
    if (!phases.IsDefined()) return t;
    if (!check_.expect_map(phases, "'phases' in " + what, "{<phase name>: <duration>, …}")) return t;
    Keys allowed;
    if (known_case) {
      allowed = known_case->phases;
    } else {
      allowed.assign(all_phases_.begin(), all_phases_.end());
    }
    const std::string phase_owner = known_case ? "case '" + known_case->id + "'" : "any case of this build";
    std::set<std::string> seen;
    for (const auto& item : phases) {
      auto name = check_.as_string(item.first, "a phase name in " + what, "a phase name");
      if (!name) continue;
      if (!seen.insert(*name).second) {
        check_.error(item.first, "duplicate phase '" + *name + "' in " + what, "each phase at most once");
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), *name) == allowed.end()) {
        check_.error(
            item.first, "unknown phase '" + *name + "' for " + phase_owner,
            allowed.empty() ? "no per-phase timeouts (the case marks no phases)" : "one of: " + join(allowed),
            did_you_mean(*name, allowed));
        continue;
      }
      if (auto d = check_.as_duration(item.second, "timeout of phase '" + *name + "'", min))
        t.phases[*name] = *d;
    }
    return t;
  }

  Lifetimes parse_lifetimes(const YAML::Node& node) {
    Lifetimes l;
    const std::string what = "'lifetimes'";
    if (!check_.expect_map(
            node, what,
            "{printer: {pwt-period, pt-idle, svwt-prefetch}, server: {st, svwt-ttl, svt-idle, cwt-ttl}}"))
      return l;
    check_.check_keys(node, kLifetimeKeys, what);
    const milliseconds min{1};
    if (const YAML::Node p = node["printer"]; p.IsDefined()) {
      const std::string pw = "'lifetimes.printer'";
      if (check_.expect_map(p, pw,
                            "{pwt-period: <duration>, pt-idle: <duration>, svwt-prefetch: <duration>}")) {
        check_.check_keys(p, kPrinterLifetimeKeys, pw);
        l.printer.pwt_period = check_.get_duration(p, "pwt-period", pw, false, min);
        l.printer.pt_idle = check_.get_duration(p, "pt-idle", pw, false, min);
        l.printer.svwt_prefetch = check_.get_duration(p, "svwt-prefetch", pw, false, min);
      }
    }
    if (const YAML::Node s = node["server"]; s.IsDefined()) {
      const std::string sw = "'lifetimes.server'";
      if (check_.expect_map(
              s, sw, "{st: <duration>, svwt-ttl: <duration>, svt-idle: <duration>, cwt-ttl: <duration>}")) {
        check_.check_keys(s, kServerLifetimeKeys, sw);
        l.server.st = check_.get_duration(s, "st", sw, false, min);
        l.server.svwt_ttl = check_.get_duration(s, "svwt-ttl", sw, false, min);
        l.server.svt_idle = check_.get_duration(s, "svt-idle", sw, false, min);
        l.server.cwt_ttl = check_.get_duration(s, "cwt-ttl", sw, false, min);
        // The printer must be able to prefetch an SVWT before the one it holds expires (S43).
        if (l.printer.svwt_prefetch && l.server.svwt_ttl && *l.printer.svwt_prefetch >= *l.server.svwt_ttl) {
          check_.error(node["printer"]["svwt-prefetch"],
                       "svwt-prefetch (" + format_duration(*l.printer.svwt_prefetch) +
                           ") is not shorter than the server's svwt-ttl (" +
                           format_duration(*l.server.svwt_ttl) + "): the printer would hold expired SVWTs",
                       "svwt-prefetch < svwt-ttl");
        }
      }
    }
    return l;
  }

  LoadShape parse_load(const YAML::Node& node) {
    LoadShape load;
    const std::string what = "'load'";
    if (!check_.expect_map(node, what,
                           "{terminals: <n>, ramp-up: <duration>, duration: <duration>, think-time: "
                           "<duration>, actions-per-terminal: <n>, mix: {tap: <weight>, …}}"))
      return load;
    check_.check_keys(node, kLoadKeys, what);
    load.terminals = static_cast<int>(check_.get_int(node, "terminals", what, true, 1, 100'000).value_or(0));
    load.ramp_up = check_.get_duration(node, "ramp-up", what, false).value_or(milliseconds{0});
    load.duration =
        check_.get_duration(node, "duration", what, true, milliseconds{1}).value_or(milliseconds{0});
    load.think_time = check_.get_duration(node, "think-time", what, false).value_or(milliseconds{0});
    load.actions_per_terminal =
        static_cast<int>(check_.get_int(node, "actions-per-terminal", what, false, 1, 1'000'000).value_or(0));
    const YAML::Node mix = node["mix"];
    if (!mix.IsDefined()) {
      for (const auto& a : kLoadActions)
        load.mix[a] = 1;
      return load;
    }
    const std::string mw = "'mix' in 'load'";
    if (!check_.expect_map(mix, mw, "{tap: <weight>, print: <weight>, charge: <weight>, exchange: <weight>}"))
      return load;
    check_.check_keys(mix, kLoadActions, mw);
    int total = 0;
    for (const auto& a : kLoadActions) {
      if (auto w = check_.get_int(mix, a, mw, false, 0, 1000)) {
        load.mix[a] = static_cast<int>(*w);
        total += static_cast<int>(*w);
      }
    }
    if (check_.ok() && total == 0)
      check_.error(mix, "every weight in " + mw + " is zero", "at least one weight > 0");
    return load;
  }

  void parse_case(const YAML::Node& node, const Defaults& defaults, Suite& suite) {
    if (node.IsScalar()) {
      // Shorthand: "- provisioning" is {case: provisioning} with the defaults.
      YAML::Node expanded;
      expanded["case"] = node;
      parse_case_map(node, expanded, defaults, suite);
      return;
    }
    if (!check_.expect_map(node, "a case entry", kCaseShape + ", or just the case ID")) return;
    parse_case_map(node, node, defaults, suite);
  }

  void parse_case_map(const YAML::Node& at, const YAML::Node& node, const Defaults& defaults, Suite& suite) {
    SuiteCase c;
    c.pos = check_.pos(at);
    check_.check_keys(node, kCaseKeys, "a case entry");
    auto id = check_.get_string(node, "case", "a case entry", true, "a case ID (`tapbench list`)");
    if (!id) return;
    const YAML::Node id_node = node["case"].Mark().line >= 0 ? node["case"] : at;
    const KnownCase* known = nullptr;
    for (const auto& k : known_) {
      if (k.id == *id) known = &k;
    }
    if (!known) {
      check_.error(id_node, "unknown case '" + *id + "'", "one of: " + join(case_ids_),
                   did_you_mean(*id, case_ids_));
    }
    const std::string what = "case '" + *id + "'";
    c.id = *id;
    if (auto n = check_.get_int(node, "cycles", what, false, 1, kMaxCycles)) c.cycles = static_cast<int>(*n);
    c.duration = check_.get_duration(node, "duration", what, false, milliseconds{1});
    if (!c.cycles && !c.duration) {
      c.cycles = defaults.cycles;
      c.duration = defaults.duration;
    }
    if (!c.cycles && !c.duration) c.cycles = 1;
    c.retries = static_cast<int>(
        check_.get_int(node, "retries", what, false, 0, kMaxRetries).value_or(defaults.retries));
    TimeoutSpec own;
    if (const YAML::Node t = node["timeouts"]; t.IsDefined()) own = parse_timeouts(t, what, known);
    c.timeouts = resolve(own, defaults.timeouts);
    // Suite-wide per-phase defaults that name a phase this case does not have are harmless (they apply to
    // the cases that have it), so they are not errors here.
    suite.cases.push_back(std::move(c));
  }

  static Timeouts resolve(const TimeoutSpec& own, const TimeoutSpec& defaults) {
    Timeouts t;
    t.setup = own.setup.value_or(defaults.setup.value_or(t.setup));
    t.teardown = own.teardown.value_or(defaults.teardown.value_or(t.teardown));
    t.phase = own.phase.value_or(defaults.phase.value_or(t.phase));
    t.cycle = own.cycle ? own.cycle : defaults.cycle;
    t.phases = defaults.phases;
    for (const auto& [k, v] : own.phases)
      t.phases[k] = v;
    return t;
  }

  YamlChecker check_;
  std::span<const KnownCase> known_;
  Keys case_ids_;
  std::set<std::string> all_phases_;
};

}  // namespace

Suite load_suite_text(const std::string& text, const std::string& source_name,
                      std::span<const KnownCase> known) {
  return SuiteParser(source_name, known).parse(text);
}

Suite load_suite(const std::string& file_or_name, std::span<const KnownCase> known) {
  const YamlSource source = resolve_source(file_or_name, "suite", embedded_suites());
  return load_suite_text(source.text, source.name, known);
}

}  // namespace tapbench::rig
