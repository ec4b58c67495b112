#include "firmware-under-test/port/linux/bindings/json_file_storage.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/crc.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "firmware-under-test/port/linux/bindings/ptb_json.hpp"

namespace tapbench::firmware::port {
namespace json = boost::json;
namespace {

constexpr std::size_t kFrameBytes = 16;  // u32 length, u32 CRC-32, u64 sequence
constexpr int kJournalVersion = 1;

hal::Status io_failure(const std::string& what, const std::filesystem::path& p, int err) {
  return hal::Status::failure(hal::HalCode::io_error, what + " " + p.string() + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int take() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // close() reports write-back errors on some file systems: check it.
  int release_close() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

// The whole file, nullopt if it does not exist; errno-style failure otherwise.
hal::Result<std::optional<std::string>> read_file(const std::filesystem::path& p, const char* what) {
  Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_failure(std::string("cannot open ") + what, p, errno);
  }
  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_failure(std::string("cannot read ") + what, p, errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return std::optional<std::string>{std::move(text)};
}

bool write_all(int fd, std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// temp file (mode 0600) with `text`, flushed and closed: ready to be renamed over its target.
hal::Status write_flushed(const std::filesystem::path& temp, std::string_view text) {
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) return io_failure("cannot create", temp, errno);
  // A temp file left by an older build or another umask: the secrets in it are still ours only.
  if (::fchmod(fd.get(), 0600) != 0) return io_failure("cannot chmod", temp, errno);
  if (!write_all(fd.get(), text)) return io_failure("cannot write", temp, errno);
  if (::fsync(fd.get()) != 0) return io_failure("cannot fsync", temp, errno);
  if (fd.release_close() != 0) return io_failure("cannot close", temp, errno);
  return hal::Status::success();
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0F];
  }
  return out;
}

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= std::uint64_t{static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)])} << (8 * i);
  return v;
}

std::uint32_t record_crc(std::string_view seq_and_payload) {
  boost::crc_32_type crc;
  crc.process_bytes(seq_and_payload.data(), seq_and_payload.size());
  return crc.checksum();
}

std::string frame(std::uint64_t seq, std::string_view payload) {
  std::string body;
  put_le(body, seq, 8);
  body.append(payload);
  std::string out;
  put_le(out, payload.size(), 4);
  put_le(out, record_crc(body), 4);
  out += body;
  return out;
}

json::object as_object(const Ptb& p) {
  return json::parse(ptb_to_json(p)).as_object();
}

// The change record from `from` to `to`: {"set":{…},"unset":[…],"pt_del":[hash…],"pt_add":[binding…]}.
// Top-level fields are set whole when they differ; PT bindings as deletes (by hash) and appends when the new
// list is the old one minus some bindings plus new ones at the end (a PT issue, delete or expiry), else
// whole.
json::object delta(const json::object& from, const json::object& to) {
  json::object set;
  json::array unset;
  for (const auto& [key, value] : to) {
    if (key == "pt_bindings") continue;
    const json::value* old = from.if_contains(key);
    if (!old || *old != value) set[key] = value;
  }
  for (const auto& [key, value] : from) {
    (void)value;
    if (!to.contains(key)) unset.emplace_back(key);
  }
  json::object d;
  const json::array& a = from.at("pt_bindings").as_array();
  const json::array& b = to.at("pt_bindings").as_array();
  if (a != b) {
    json::array del;
    for (const auto& x : a) {
      if (std::find(b.begin(), b.end(), x) == b.end()) {
        const json::value& h = x.as_object().at("pt_hash");
        if (std::find(del.begin(), del.end(), h) == del.end()) del.push_back(h);
      }
    }
    std::vector<json::value> kept;
    for (const auto& x : a) {
      if (std::find(del.begin(), del.end(), x.as_object().at("pt_hash")) == del.end()) kept.push_back(x);
    }
    const bool prefix = kept.size() <= b.size() && std::equal(kept.begin(), kept.end(), b.begin());
    if (prefix) {
      if (!del.empty()) d["pt_del"] = std::move(del);
      json::array add(b.begin() + static_cast<std::ptrdiff_t>(kept.size()), b.end());
      if (!add.empty()) d["pt_add"] = std::move(add);
    } else {
      set["pt_bindings"] = b;
    }
  }
  if (!set.empty()) d["set"] = std::move(set);
  if (!unset.empty()) d["unset"] = std::move(unset);
  return d;
}

// Applies a change record; false if it is not one (a record this build did not write).
bool apply(json::object& state, const json::value& record) {
  if (!record.is_object()) return false;
  const json::object& d = record.get_object();
  for (const auto& [key, value] : d) {
    (void)value;
    if (key != "set" && key != "unset" && key != "pt_del" && key != "pt_add") return false;
  }
  if (const auto* set = d.if_contains("set")) {
    if (!set->is_object()) return false;
    for (const auto& [key, value] : set->get_object())
      state[key] = value;
  }
  if (const auto* unset = d.if_contains("unset")) {
    if (!unset->is_array()) return false;
    for (const auto& key : unset->get_array()) {
      if (!key.is_string()) return false;
      state.erase(key.get_string());
    }
  }
  if (d.contains("pt_del") || d.contains("pt_add")) {
    json::value* list = state.if_contains("pt_bindings");
    if (!list || !list->is_array()) return false;
    json::array& pts = list->get_array();
    if (const auto* del = d.if_contains("pt_del")) {
      if (!del->is_array()) return false;
      for (const auto& h : del->get_array()) {
        const auto gone = std::remove_if(pts.begin(), pts.end(), [&](const json::value& x) {
          const auto* o = x.if_object();
          return o && o->contains("pt_hash") && o->at("pt_hash") == h;
        });
        pts.erase(gone, pts.end());
      }
    }
    if (const auto* add = d.if_contains("pt_add")) {
      if (!add->is_array()) return false;
      for (const auto& x : add->get_array())
        pts.push_back(x);
    }
  }
  return true;
}

// A change that forgets or replaces a long-lived secret or the identity: written as a compaction, so the old
// value does not stay behind in the journal.
bool forgets_secret(const json::object& d) {
  static constexpr const char* kKeys[] = {"device_id", "server_token", "network"};
  for (const char* k : kKeys) {
    if (const auto* set = d.if_contains("set"); set && set->as_object().contains(k)) return true;
    if (const auto* unset = d.if_contains("unset")) {
      for (const auto& x : unset->as_array())
        if (x.is_string() && x.get_string() == k) return true;
    }
  }
  return false;
}

hal::Status fsync_dir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_failure("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_failure("cannot fsync directory", dir, errno);
  return hal::Status::success();
}

}  // namespace

JsonFileStorage::JsonFileStorage(std::filesystem::path state_dir, JournalLimits limits)
    : dir_(std::move(state_dir)),
      path_(dir_ / kFileName),
      temp_(dir_ / (std::string(kFileName) + ".tmp")),
      journal_(dir_ / kJournalName),
      journal_temp_(dir_ / (std::string(kJournalName) + ".tmp")),
      limits_(limits) {}

JsonFileStorage::~JsonFileStorage() {
  close_journal();
}

void JsonFileStorage::close_journal() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
  journal_fd_ = -1;
}

hal::Result<std::optional<Ptb>> JsonFileStorage::load() {
  close_journal();
  base_.reset();
  must_compact_ = true;
  torn_tail_ = false;
  stale_journal_ = false;
  auto snap = read_file(path_, "PTB");
  if (!snap) return snap.status();
  if (!snap.value()) return std::optional<Ptb>{};  // factory-fresh (a journal alone is never applied)
  const std::string text = std::move(*snap.value());
  const auto unusable = [&](const std::filesystem::path& file, const std::string& why, hal::HalCode code) {
    return hal::Status::failure(code, "PTB " + file.string() + " is unusable: " + why +
                                          " (refusing to start from factory state; restore or move the "
                                          "file away deliberately)");
  };
  auto parsed = ptb_from_json(text);
  if (!parsed) return unusable(path_, parsed.status().detail, parsed.status().code);
  Ptb state = std::move(parsed).value();
  const std::string digest = sha256_hex(text);

  auto jr = read_file(journal_, "PTB journal");
  if (!jr) return jr.status();
  std::uint64_t valid = 0;
  std::uint64_t seq = 0;
  bool journal_ok = false;
  if (jr.value()) {
    const std::string& j = *jr.value();
    const auto corrupt = [&](std::size_t at, const std::string& why) {
      return unusable(journal_, "corrupt at byte " + std::to_string(at) + ": " + why,
                      hal::HalCode::bad_response);
    };
    // Header: sequence 0, {"journal":1,"base":"<sha256 of the snapshot>"}. Written whole before its rename.
    std::size_t pos = 0;
    std::optional<json::object> doc;
    bool header = true;
    while (pos < j.size()) {
      const std::size_t left = j.size() - pos;
      bool bad = left < kFrameBytes;
      std::size_t len = 0;
      if (!bad) {
        len = static_cast<std::size_t>(get_le(j, pos, 4));
        bad = len > kMaxRecordBytes || left < kFrameBytes + len ||
              get_le(j, pos + 4, 4) != record_crc(std::string_view(j).substr(pos + 8, 8 + len));
      }
      if (bad) {
        if (header) return corrupt(pos, "journal header unreadable");
        // Only the record in flight can be torn: at most one record's worth of bytes after the last good one.
        if (left > kFrameBytes + kMaxRecordBytes) return corrupt(pos, "bad record before the end");
        torn_tail_ = true;
        break;
      }
      const std::uint64_t s = get_le(j, pos + 8, 8);
      boost::system::error_code ec;
      const json::value v = json::parse(std::string_view(j).substr(pos + kFrameBytes, len), ec);
      if (ec) return corrupt(pos, "record is not JSON");
      if (header) {
        const auto* o = v.if_object();
        const json::value* ver = o ? o->if_contains("journal") : nullptr;
        const json::value* base = o ? o->if_contains("base") : nullptr;
        if (s != 0 || !ver || !base || !base->is_string()) return corrupt(pos, "not a PTB journal header");
        if (!ver->is_int64() || ver->get_int64() != kJournalVersion)
          return unusable(journal_,
                          "journal version " + json::serialize(*ver) + " (this build reads version " +
                              std::to_string(kJournalVersion) + ")",
                          hal::HalCode::unsupported);
        if (base->get_string() != digest) {  // a compaction cut between its renames: the snapshot has it all
          stale_journal_ = true;
          break;
        }
        header = false;
        journal_ok = true;
        doc = as_object(state);
      } else {
        if (s != seq + 1)
          return corrupt(pos, "sequence " + std::to_string(s) + " after " + std::to_string(seq));
        if (!apply(*doc, v)) return corrupt(pos, "not a PTB change record");
      }
      seq = s;
      pos += kFrameBytes + len;
      valid = pos;
    }
    if (doc && seq > 0) {
      auto replayed = ptb_from_json(json::serialize(*doc));
      if (!replayed)
        return unusable(journal_, "replayed state invalid: " + replayed.status().detail,
                        replayed.status().code);
      state = std::move(replayed).value();
    }
  }
  snapshot_text_ = text;
  snapshot_digest_ = digest;
  base_ = state;
  next_seq_ = seq + 1;
  journal_bytes_ = valid;
  must_compact_ = !journal_ok || torn_tail_;
  if (!must_compact_) {
    journal_fd_ = ::open(journal_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (journal_fd_ < 0) must_compact_ = true;
  }
  return std::optional<Ptb>{std::move(state)};
}

hal::Status JsonFileStorage::commit(const Ptb& ptb) {
  if (must_compact_ || !base_ || journal_fd_ < 0 || journal_bytes_ >= limits_.max_bytes ||
      next_seq_ > limits_.max_records) {
    return compact(ptb);
  }
  if (ptb == *base_) return hal::Status::success();  // nothing changed: nothing to flush
  const json::object from = as_object(*base_);
  const json::object to = as_object(ptb);
  const json::object d = delta(from, to);
  json::object replayed = from;  // what load() will rebuild from this record: must be exactly `ptb`
  if (!apply(replayed, d) || replayed != to || forgets_secret(d)) return compact(ptb);
  const std::string payload = json::serialize(d);
  if (payload.size() > kMaxRecordBytes) return compact(ptb);
  const hal::Status s = append(payload);
  if (!s.ok()) return s;
  base_ = ptb;
  return hal::Status::success();
}

hal::Status JsonFileStorage::append(const std::string& payload) {
  const std::string rec = frame(next_seq_, payload);
  if (!write_all(journal_fd_, rec) || ::fdatasync(journal_fd_) != 0) {
    const int err = errno;
    // Take the partial record back if possible; either way the next commit starts a fresh journal.
    (void)::ftruncate(journal_fd_, static_cast<off_t>(journal_bytes_));
    must_compact_ = true;
    return io_failure("cannot append to", journal_, err);
  }
  journal_bytes_ += rec.size();
  ++next_seq_;
  ++appended_;
  return hal::Status::success();
}

hal::Status JsonFileStorage::compact(const Ptb& ptb) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) {
    std::filesystem::create_directories(dir_, ec);
    if (ec)
      return hal::Status::failure(hal::HalCode::io_error,
                                  "cannot create state directory " + dir_.string() + ": " + ec.message());
    ::chmod(dir_.c_str(), 0700);
  }
  const std::string text = ptb_to_json(ptb);
  const std::string digest = sha256_hex(text);
  if (digest.empty()) return hal::Status::failure(hal::HalCode::io_error, "SHA-256 failed");
  // With the same snapshot text only the journal is replaced: a journal must never pair with an older
  // snapshot of equal text (its header could not tell them apart).
  const bool same_snapshot = base_ && text == snapshot_text_ && std::filesystem::exists(path_, ec);
  if (!same_snapshot) {
    if (auto s = write_flushed(temp_, text); !s.ok()) return s;
  }
  const std::string header =
      frame(0, json::serialize(json::object{{"journal", kJournalVersion}, {"base", digest}}));
  if (auto s = write_flushed(journal_temp_, header); !s.ok()) return s;
  close_journal();
  must_compact_ = true;  // until both renames are durable
  // Snapshot first: a cut between the renames leaves the new snapshot with the old journal, whose header
  // names the old snapshot — load() ignores it. The other order could pair the old snapshot with nothing.
  if (!same_snapshot) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return io_failure("cannot rename onto", path_, errno);
    // From here the snapshot on disk is the new one, even if the journal's rename fails: a later compaction
    // must compare against it (else an equal-text shortcut could pair a fresh journal with this snapshot).
    snapshot_text_ = text;
    snapshot_digest_ = digest;
  }
  if (::rename(journal_temp_.c_str(), journal_.c_str()) != 0)
    return io_failure("cannot rename onto", journal_, errno);
  // The renames are durable only once the directory entries are: without this a power cut could bring back
  // the previous files after commit() said ok.
  if (auto s = fsync_dir(dir_); !s.ok()) return s;
  snapshot_text_ = text;
  snapshot_digest_ = digest;
  base_ = ptb;
  next_seq_ = 1;
  journal_bytes_ = header.size();
  ++compactions_;
  journal_fd_ = ::open(journal_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  must_compact_ = journal_fd_ < 0;
  return hal::Status::success();
}

}  // namespace tapbench::firmware::port
