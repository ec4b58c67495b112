#include "rig/runner/secrets.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace tapbench::rig {

void SecretRegistry::add(std::string_view secret) {
  if (secret.size() < 6) {
    throw std::invalid_argument("a secret to redact must have at least 6 characters");
  }
  std::lock_guard lock(mutex_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.emplace_back(secret);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretRegistry::redact(std::string_view text) const {
  std::string out(text);
  std::lock_guard lock(mutex_);
  for (const auto& secret : secrets_) {
    std::size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return out;
}

std::size_t SecretRegistry::size() const {
  std::lock_guard lock(mutex_);
  return secrets_.size();
}

bool SecretRegistry::is_secret_key(std::string_view key) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "token", "pwt", "pt", "st", "svwt", "svt", "cwt", "secret", "password", "passphrase", "psk", "key"};
  std::string word;
  auto check = [&]() {
    const bool hit = std::find(kWords.begin(), kWords.end(), word) != kWords.end();
    word.clear();
    return hit;
  };
  for (char c : key) {
    if (c == '-' || c == '_' || c == '.' || c == ' ') {
      if (check()) return true;
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return check();
}

}  // namespace tapbench::rig
