// The tails of the log files in a run folder (the processes a case started write their logs under
// <run>/<case>/…, e.g. nfc-selftest/pn532-sim.log), for the HTML report's failures. A log is written by
// another process, which may print a token: every tail passes the redaction guard — the run's registered
// secrets when the report is written at the end of a run, and always the key rule (a value after a
// secret-naming key such as `token=`, `"pwt": "…"` or `passphrase:` is withheld), which is all `tapbench
// report` has after the fact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "rig/runner/secrets.hpp"

namespace tapbench::rig {

struct LogTail {
  std::string path;          // relative to the run folder, '/'-separated ("nfc-selftest/pn532-sim.log")
  std::string case_id;       // the folder's first component when it names a case of the run, else ""
  std::string text;          // the last lines, redacted
  std::size_t lines = 0;     // lines in `text`
  bool truncated = false;    // earlier lines were left out
  std::uintmax_t bytes = 0;  // size of the whole file
};

struct LogTailLimits {
  std::size_t max_lines = 40;
  std::size_t max_bytes = 8192;  // read at most this much from the end of each file
  std::size_t max_files = 64;
};

// Every *.log file under `dir` (recursively, sorted by path), its tail redacted. `case_ids` names the cases
// of the run; `secrets` may be null (after the fact).
std::vector<LogTail> collect_log_tails(const std::filesystem::path& dir,
                                       const std::vector<std::string>& case_ids,
                                       const SecretRegistry* secrets, const LogTailLimits& limits = {});

// `text` with registered secrets replaced and every value that follows a secret-naming key withheld
// (`key=value`, `key: value`, `"key":"value"`; SecretRegistry::is_secret_key decides what a key is).
std::string redact_log_text(std::string_view text, const SecretRegistry* secrets);

}  // namespace tapbench::rig
