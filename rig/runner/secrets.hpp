// The redaction guard: tokens never reach a report, a log line or a metric label. Cases register every token
// they see (CycleContext::secret); every writer passes its text through redact() before it leaves the
// process. As a second line of defence, note keys that name a secret (token, pwt, passphrase …) have their
// values replaced whether or not the value was registered.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tapbench::rig {

inline constexpr std::string_view kRedacted = "[redacted]";

class SecretRegistry {
 public:
  // Remembers a secret. Values shorter than 6 characters are refused (std::invalid_argument): redacting
  // them would mangle ordinary text, and no token of the system is that short. Thread-safe.
  void add(std::string_view secret);
  // `text` with every registered secret replaced by [redacted]. Thread-safe.
  std::string redact(std::string_view text) const;
  std::size_t size() const;

  // True when a note key names a secret: token, pwt, pt, st, svwt, svt, cwt, secret, password, passphrase,
  // psk, key (case-insensitive, as a whole word separated by '-', '_' or '.').
  static bool is_secret_key(std::string_view key);

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;  // longest first, so that a secret containing another is replaced whole
};

}  // namespace tapbench::rig
