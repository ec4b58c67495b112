#include "rig/bench/yaml_check.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace tapbench::rig {

std::string SourcePos::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string ValidationIssue::to_string() const {
  std::string out = pos.to_string() + ": error: " + message;
  if (!expected.empty()) out += "\n  expected: " + expected;
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}

namespace {

std::string join_issues(const std::vector<ValidationIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += "\n";
    out += issue.to_string();
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions: "feild" → "field" is 1).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n])
    ++n;
  return n;
}

}  // namespace

ValidationError::ValidationError(std::vector<ValidationIssue> issues)
    : std::runtime_error(join_issues(issues)), issues_(std::move(issues)) {}

std::string closest_match(std::string_view word, std::span<const std::string> candidates) {
  const std::string w = lower(word);
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& candidate : candidates) {
    const std::string c = lower(candidate);
    // Underscore/dash confusion is the commonest slip in YAML keys: treat it as an exact match.
    std::string w_norm = w, c_norm = c;
    std::replace(w_norm.begin(), w_norm.end(), '_', '-');
    std::replace(c_norm.begin(), c_norm.end(), '_', '-');
    const std::size_t d = w_norm == c_norm ? 0 : edit_distance(w, c);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  // Close enough to be a typo: a third of the word's length, at least 1, at most 3 edits.
  const std::size_t limit = std::clamp<std::size_t>(w.size() / 3, 1, 3);
  if (best_distance <= limit) return best;
  // A shortened or differently inflected word ("retry" for "retries", "cwt" for "cwt-ttl"): a long shared
  // prefix that covers most of what was typed.
  std::string by_prefix;
  std::size_t best_prefix = 0;
  for (const auto& candidate : candidates) {
    const std::size_t p = common_prefix(w, lower(candidate));
    if (p >= 3 && p * 5 >= w.size() * 4 && p > best_prefix) {
      best_prefix = p;
      by_prefix = candidate;
    }
  }
  return by_prefix;
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  const std::string match = closest_match(word, candidates);
  if (match.empty()) return {};
  return "did you mean '" + match + "'?";
}

std::string join(std::span<const std::string> words, std::string_view separator) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += separator;
    out += w;
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using namespace std::chrono;
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t number_start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (i == number_start) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data() + number_start, text.data() + i, value);
    if (ec != std::errc{} || end != text.data() + i) return std::nullopt;
    const std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
      ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return std::nullopt;  // no unit, or an unknown one
    }
    total_ms += value * scale;
  }
  if (total_ms > 365.0 * 86'400'000) return std::nullopt;  // a year: surely a typo
  return milliseconds{static_cast<std::int64_t>(total_ms + 0.5)};
}

std::string format_duration(std::chrono::milliseconds d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const std::pair<std::int64_t, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Null:
      return "an empty value";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
  }
  return "something else";
}

SourcePos YamlChecker::pos(const YAML::Node& node) const {
  SourcePos p{file_, 0, 0};
  if (node.IsDefined()) {
    const YAML::Mark mark = node.Mark();
    if (mark.line >= 0) {
      p.line = mark.line + 1;
      p.column = mark.column + 1;
    }
  }
  return p;
}

void YamlChecker::error(const YAML::Node& at, std::string message, std::string expected, std::string hint) {
  error_at(pos(at), std::move(message), std::move(expected), std::move(hint));
}

void YamlChecker::error_at(SourcePos p, std::string message, std::string expected, std::string hint) {
  issues_.push_back({std::move(p), std::move(message), std::move(expected), std::move(hint)});
}

void YamlChecker::throw_if_errors() const {
  if (!issues_.empty()) throw ValidationError(issues_);
}

std::optional<YAML::Node> YamlChecker::parse(const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      error_at({file_, 1, 1}, "the file is empty", "a YAML mapping");
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    SourcePos p{file_, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
    error_at(std::move(p), "not valid YAML: " + e.msg);
    return std::nullopt;
  }
}

bool YamlChecker::expect_map(const YAML::Node& node, std::string_view what, std::string_view shape) {
  if (node.IsMap()) return true;
  error(node, std::string(what) + " must be a mapping, found " + describe_node(node), std::string(shape));
  return false;
}

bool YamlChecker::expect_sequence(const YAML::Node& node, std::string_view what, std::string_view shape) {
  if (node.IsSequence()) return true;
  error(node, std::string(what) + " must be a list, found " + describe_node(node), std::string(shape));
  return false;
}

void YamlChecker::check_keys(const YAML::Node& map, std::span<const std::string> allowed,
                             std::string_view what) {
  if (!map.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& item : map) {
    const YAML::Node& key = item.first;
    if (!key.IsScalar()) {
      error(key, "a key in " + std::string(what) + " is " + describe_node(key), "a plain name as key");
      continue;
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      error(key, "duplicate key '" + name + "' in " + std::string(what),
            "each key at most once (the second would silently win in many YAML readers)");
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      error(key, "unknown key '" + name + "' in " + std::string(what), "one of: " + join(allowed),
            did_you_mean(name, allowed));
    }
  }
}

std::optional<std::string> YamlChecker::as_string(const YAML::Node& node, std::string_view what,
                                                  std::string_view shape) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    error(node, std::string(what) + " must be " + std::string(shape) + ", found " + describe_node(node),
          std::string(shape));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::chrono::milliseconds> YamlChecker::as_duration(const YAML::Node& node,
                                                                  std::string_view what,
                                                                  std::chrono::milliseconds min) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a duration, found " + describe_node(node),
          std::string(kDurationShape));
    return std::nullopt;
  }
  const auto d = parse_duration(node.Scalar());
  if (!d) {
    std::string hint;
    const std::string& s = node.Scalar();
    if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); })) {
      hint = "add a unit: '" + s + "s' or '" + s + "ms'";
    }
    error(node, std::string(what) + " is not a duration: '" + s + "'", std::string(kDurationShape), hint);
    return std::nullopt;
  }
  if (*d < min) {
    error(node, std::string(what) + " is too short: " + node.Scalar(), "at least " + format_duration(min));
    return std::nullopt;
  }
  return d;
}

std::optional<std::string> YamlChecker::get_string(const YAML::Node& map, const std::string& key,
                                                   std::string_view what, bool required,
                                                   std::string_view shape) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) {
    if (required) {
      error(map, std::string(what) + " is missing the required key '" + key + "'",
            "'" + key + ": <" + std::string(shape) + ">'");
    }
    return std::nullopt;
  }
  return as_string(node, "'" + key + "' in " + std::string(what), shape);
}

std::optional<std::int64_t> YamlChecker::get_int(const YAML::Node& map, const std::string& key,
                                                 std::string_view what, bool required, std::int64_t min,
                                                 std::int64_t max) {
  const YAML::Node node = map[key];
  const std::string shape = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!node.IsDefined()) {
    if (required) {
      error(map, std::string(what) + " is missing the required key '" + key + "'",
            "'" + key + ": <" + shape + ">'");
    }
    return std::nullopt;
  }
  std::int64_t value = 0;
  if (!node.IsScalar() || !YAML::convert<std::int64_t>::decode(node, value)) {
    error(node,
          "'" + key + "' in " + std::string(what) + " must be a whole number, found " + describe_node(node),
          shape);
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(node, "'" + key + "' in " + std::string(what) + " is out of range: " + std::to_string(value),
          shape);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlChecker::get_bool(const YAML::Node& map, const std::string& key,
                                          std::string_view what, bool required) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) {
    if (required) {
      error(map, std::string(what) + " is missing the required key '" + key + "'",
            "'" + key + ": true|false'");
    }
    return std::nullopt;
  }
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    error(node,
          "'" + key + "' in " + std::string(what) + " must be true or false, found " + describe_node(node),
          "true or false");
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::milliseconds> YamlChecker::get_duration(const YAML::Node& map,
                                                                   const std::string& key,
                                                                   std::string_view what, bool required,
                                                                   std::chrono::milliseconds min) {
  const YAML::Node node = map[key];
  if (!node.IsDefined()) {
    if (required) {
      error(map, std::string(what) + " is missing the required key '" + key + "'",
            "'" + key + ": <" + std::string(kDurationShape) + ">'");
    }
    return std::nullopt;
  }
  return as_duration(node, "'" + key + "' in " + std::string(what), min);
}

std::optional<std::string> YamlChecker::get_choice(const YAML::Node& map, const std::string& key,
                                                   std::string_view what, bool required,
                                                   std::span<const std::string> choices) {
  const std::string shape = "one of: " + join(choices);
  auto value = get_string(map, key, what, required, shape);
  if (!value) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
    error(map[key], "unknown " + key + " '" + *value + "' in " + std::string(what), shape,
          did_you_mean(*value, choices));
    return std::nullopt;
  }
  return value;
}

}  // namespace tapbench::rig

namespace tapbench::rig {

YamlSource resolve_source(const std::string& file_or_name, std::string_view what,
                          std::span<const EmbeddedFile> embedded) {
  auto ends_with = [&](std::string_view suffix) {
    return file_or_name.size() >= suffix.size() &&
           std::string_view(file_or_name).substr(file_or_name.size() - suffix.size()) == suffix;
  };
  const bool looks_like_path =
      file_or_name.find('/') != std::string::npos || ends_with(".yaml") || ends_with(".yml");
  std::error_code ec;
  const bool exists = std::filesystem::is_regular_file(file_or_name, ec);
  if (!looks_like_path && !exists) {
    std::vector<std::string> names;
    for (const auto& e : embedded) {
      if (e.name == file_or_name) return {std::string(e.path) + " (embedded)", std::string(e.text)};
      names.emplace_back(e.name);
    }
    const std::string hint = did_you_mean(file_or_name, names);
    throw InputError("no " + std::string(what) + " named '" + file_or_name +
                     "': not a file, and not one of " + "the built-in " + std::string(what) +
                     (what.ends_with('h') ? "es (" : "s (") + join(names) + ")" +
                     (hint.empty() ? "" : "; " + hint));
  }
  std::ifstream in(file_or_name, std::ios::binary);
  if (!in || std::filesystem::is_directory(file_or_name, ec)) {
    throw InputError("cannot read " + std::string(what) + " file '" + file_or_name + "': " +
                     (exists || std::filesystem::exists(file_or_name, ec) ? "not readable" : "no such file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return {file_or_name, text.str()};
}

}  // namespace tapbench::rig
