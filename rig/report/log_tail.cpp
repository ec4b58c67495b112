#include "rig/report/log_tail.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace tapbench::rig {
namespace {

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

bool value_end(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ';' || c == '}' || c == ')' ||
         c == '&' || c == '"' || c == '\'';
}

// The key rule: after a secret-naming key and '=' or ':', the value is withheld.
std::string withhold_keyed_values(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!word_char(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && word_char(text[end]))
      ++end;
    const std::string_view word = text.substr(i, end - i);
    out.append(word);
    i = end;
    if (!SecretRegistry::is_secret_key(word)) continue;
    // key["']? *[=:] *["']?value
    std::size_t j = i;
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) ++j;
    while (j < text.size() && text[j] == ' ')
      ++j;
    if (j >= text.size() || (text[j] != '=' && text[j] != ':')) continue;
    if (text.substr(j, 3) == "://") continue;  // a URL scheme, not a key
    ++j;
    while (j < text.size() && text[j] == ' ')
      ++j;
    char quote = 0;
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) quote = text[j++];
    std::size_t v = j;
    if (quote) {
      while (v < text.size() && text[v] != quote && text[v] != '\n')
        ++v;
    } else {
      while (v < text.size() && !value_end(text[v]))
        ++v;
    }
    if (v == j) continue;
    out.append(text.substr(i, j - i));
    out += kRedacted;
    i = v;
  }
  return out;
}

std::string read_tail(const std::filesystem::path& file, std::uintmax_t size, std::size_t max_bytes,
                      bool& cut) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "(cannot read " + file.filename().string() + ")\n";
  const std::uintmax_t from = size > max_bytes ? size - max_bytes : 0;
  cut = from > 0;
  in.seekg(static_cast<std::streamoff>(from));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (cut) {
    // Start at a whole line.
    const auto nl = text.find('\n');
    text.erase(0, nl == std::string::npos ? 0 : nl + 1);
  }
  return text;
}

}  // namespace

std::string redact_log_text(std::string_view text, const SecretRegistry* secrets) {
  const std::string registered = secrets ? secrets->redact(text) : std::string(text);
  return withhold_keyed_values(registered);
}

std::vector<LogTail> collect_log_tails(const std::filesystem::path& dir,
                                       const std::vector<std::string>& case_ids,
                                       const SecretRegistry* secrets, const LogTailLimits& limits) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".log") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (files.size() > limits.max_files) files.resize(limits.max_files);

  std::vector<LogTail> out;
  for (const auto& file : files) {
    LogTail t;
    t.path = file.lexically_relative(dir).generic_string();
    const auto slash = t.path.find('/');
    if (slash != std::string::npos) {
      const std::string first = t.path.substr(0, slash);
      if (std::find(case_ids.begin(), case_ids.end(), first) != case_ids.end()) t.case_id = first;
    }
    t.bytes = std::filesystem::file_size(file, ec);
    if (ec) t.bytes = 0;
    bool cut = false;
    std::string text = read_tail(file, t.bytes, limits.max_bytes, cut);
    t.truncated = cut;
    // The last max_lines lines.
    std::size_t lines = 0;
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    while (pos > 0) {
      const auto nl = text.rfind('\n', pos - 1);
      ++lines;
      if (lines == limits.max_lines) {
        if (nl != std::string::npos) {
          text.erase(0, nl + 1);
          t.truncated = true;
        }
        break;
      }
      if (nl == std::string::npos) break;
      pos = nl;
    }
    t.lines = lines;
    t.text = redact_log_text(text, secrets);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace tapbench::rig
