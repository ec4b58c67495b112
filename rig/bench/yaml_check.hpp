// Validation of the rig's YAML files (benches, suites) with errors a lab engineer can act on: every problem
// names file:line:column (yaml-cpp's Mark), what was found, the shape that was expected, and for a misspelt
// key or name a "did you mean". All problems of a file are collected before reporting, not just the first.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tapbench::rig {

struct SourcePos {
  std::string file;
  int line = 0;                   // 1-based; 0 when unknown
  int column = 0;                 // 1-based
  std::string to_string() const;  // "file:12:5"
};

struct ValidationIssue {
  SourcePos pos;
  std::string message;   // what is wrong: "unknown key 'conection' in device 'phone-nfc'"
  std::string expected;  // the shape that was expected: "one of: name, kind, backend, connstring"
  std::string hint;      // "did you mean 'connstring'?", empty when none
  // "file:12:5: error: <message>\n  expected: <expected>\n  hint: <hint>"
  std::string to_string() const;
};

// Thrown by the loaders when a file has problems; what() lists every issue.
class ValidationError : public std::runtime_error {
 public:
  explicit ValidationError(std::vector<ValidationIssue> issues);
  const std::vector<ValidationIssue>& issues() const { return issues_; }

 private:
  std::vector<ValidationIssue> issues_;
};

// The closest candidate to `word` (edit distance, case-insensitive) when it is close enough to be a likely
// typo, else empty.
std::string closest_match(std::string_view word, std::span<const std::string> candidates);
// "did you mean 'x'?" or empty.
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);
// "a, b, c".
std::string join(std::span<const std::string> words, std::string_view separator = ", ");

// Durations are written with a unit so that nobody guesses: "250ms", "30s", "5m", "1h", "1h30m", "2d".
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::milliseconds d);  // "1h30m", "250ms", "0s"

inline constexpr std::string_view kDurationShape = "a duration with a unit, e.g. 500ms, 30s, 5m, 1h, 1h30m";

// Collects issues against one file and reads typed values out of yaml-cpp nodes. Never throws while reading:
// a wrong value is recorded and the getter returns nullopt, so the loader carries on and reports everything.
class YamlChecker {
 public:
  explicit YamlChecker(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  SourcePos pos(const YAML::Node& node) const;
  void error(const YAML::Node& at, std::string message, std::string expected = {}, std::string hint = {});
  void error_at(SourcePos pos, std::string message, std::string expected = {}, std::string hint = {});
  bool ok() const { return issues_.empty(); }
  const std::vector<ValidationIssue>& issues() const { return issues_; }
  // Throws ValidationError when any issue was recorded.
  void throw_if_errors() const;

  // Parses `text`; a syntax error becomes an issue (with its line and column) and the result is null.
  std::optional<YAML::Node> parse(const std::string& text);

  // `node` must be a mapping; `what` names it in messages ("device 'phone-nfc'"), `shape` says what it should
  // look like. Records an issue and returns false otherwise.
  bool expect_map(const YAML::Node& node, std::string_view what, std::string_view shape);
  bool expect_sequence(const YAML::Node& node, std::string_view what, std::string_view shape);
  // Every key of `map` must be in `allowed` (unknown keys are errors, with a did-you-mean); keys must be
  // scalars and must not repeat.
  void check_keys(const YAML::Node& map, std::span<const std::string> allowed, std::string_view what);

  // Typed getters for `map[key]`. Missing + required → issue; wrong type → issue; both return nullopt.
  std::optional<std::string> get_string(const YAML::Node& map, const std::string& key, std::string_view what,
                                        bool required, std::string_view shape = "a string");
  std::optional<std::int64_t> get_int(const YAML::Node& map, const std::string& key, std::string_view what,
                                      bool required, std::int64_t min, std::int64_t max);
  std::optional<bool> get_bool(const YAML::Node& map, const std::string& key, std::string_view what,
                               bool required);
  std::optional<std::chrono::milliseconds> get_duration(const YAML::Node& map, const std::string& key,
                                                        std::string_view what, bool required,
                                                        std::chrono::milliseconds min = {});
  // A string that must be one of `choices` (did-you-mean on a near miss).
  std::optional<std::string> get_choice(const YAML::Node& map, const std::string& key, std::string_view what,
                                        bool required, std::span<const std::string> choices);

  // Scalar conversions of one node (for list items and map values).
  std::optional<std::string> as_string(const YAML::Node& node, std::string_view what,
                                       std::string_view shape = "a string");
  std::optional<std::chrono::milliseconds> as_duration(const YAML::Node& node, std::string_view what,
                                                       std::chrono::milliseconds min = {});

 private:
  std::string file_;
  std::vector<ValidationIssue> issues_;
};

// "a mapping", "a list", "a string" … for "found …" in messages.
std::string describe_node(const YAML::Node& node);

// A bench or suite file that cannot be read at all (missing, unreadable): not a validation problem.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The text of a bench or suite and the name errors cite. `file_or_name` is a path, or the name of a file
// compiled into tapbench (`sim`, `smoke`): a path when it contains '/' or ends in .yaml/.yml or names an
// existing file, otherwise an embedded name. Throws InputError listing the embedded names when neither.
struct YamlSource {
  std::string name;  // "fixtures/benches/sim.yaml (embedded)" or the path as given
  std::string text;
};
struct EmbeddedFile {
  std::string_view name;  // "sim"
  std::string_view path;  // "fixtures/benches/sim.yaml"
  std::string_view text;
};
YamlSource resolve_source(const std::string& file_or_name, std::string_view what,
                          std::span<const EmbeddedFile> embedded);

}  // namespace tapbench::rig
