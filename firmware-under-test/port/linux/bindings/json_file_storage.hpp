// hal::Storage on the Linux file system: the PTB as one JSON snapshot (ptb_json.hpp) plus an append-only
// journal of changes, both in the state directory (docs/FIRMWARE.md "Persistence").
//
// commit() normally appends one record to `ptb.journal` — the fields that changed since the last commit,
// with PT bindings as add/delete (a PT issue is one small record, not a rewrite of the whole PTB) — and
// fdatasyncs it: one flush of an append instead of temp file + fsync + rename + directory fsync (measured
// in docs/PERFORMANCE.md "Load"). Record frame: u32 length, u32 CRC-32 (over sequence + payload), u64
// sequence (previous + 1), JSON payload. Compaction rewrites the snapshot the old way (`ptb.json.tmp` →
// fsync → rename → fsync the directory) and starts a fresh journal whose header (sequence 0) names the
// SHA-256 of the snapshot it extends; it runs on the first commit after load (or without load), when the
// journal reaches its size or record limit, when the last load found a torn tail or a stale journal, when a
// record would be too large, and when the device ID, the ST or the router credentials change or go away (a
// secret the printer forgets must not linger in the journal).
//
// Crash safety (the HAL contract): after commit() returns ok a power cut at any later instant loads exactly
// this state; a cut during commit() loads the previous state or this one, never a mix:
// - only the record in flight can be torn (each append is flushed before commit() returns, commits are
//   serialised): load() drops a bad last record (length, CRC or truncation) and the next commit compacts;
//   a bad record followed by more than one record's worth of bytes is corruption, a failure naming the file;
// - a journal whose header names another snapshot is the leftover of a compaction cut between its two
//   renames (the new snapshot already holds everything it recorded): ignored, and the next commit compacts;
// - a compaction whose snapshot text equals the current one only replaces the journal (one rename), so a
//   journal can never be paired with an older snapshot of the same text.
// load(): nullopt only when no `ptb.json` exists (a factory-fresh device; leftover temp files mean no
// commit ever finished). An unreadable, truncated or corrupt snapshot or journal is a failure naming the
// file — never a silent factory reset, which would lose the pages the user paid for.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "firmware-under-test/hal/storage.hpp"

namespace tapbench::firmware::port {

struct JournalLimits {
  std::uint64_t max_bytes = 256 * 1024;  // compact once the journal is this large
  std::uint32_t max_records = 2048;      // or holds this many change records
};

class JsonFileStorage final : public hal::Storage {
 public:
  // `state_dir` is created (mode 0700) on the first commit if missing.
  explicit JsonFileStorage(std::filesystem::path state_dir, JournalLimits limits = {});
  ~JsonFileStorage() override;
  JsonFileStorage(const JsonFileStorage&) = delete;
  JsonFileStorage& operator=(const JsonFileStorage&) = delete;

  hal::Result<std::optional<Ptb>> load() override;
  hal::Status commit(const Ptb& ptb) override;

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& journal_path() const { return journal_; }
  // What this object did (tests, logs): compactions (snapshot rewrites or fresh journals) and appended
  // records.
  std::uint64_t compactions() const { return compactions_; }
  std::uint64_t appended_records() const { return appended_; }
  // The last load() dropped a torn record at the journal's end / ignored a stale journal.
  bool last_load_dropped_torn_tail() const { return torn_tail_; }
  bool last_load_ignored_stale_journal() const { return stale_journal_; }

  static constexpr const char* kFileName = "ptb.json";
  static constexpr const char* kJournalName = "ptb.journal";
  static constexpr std::size_t kMaxRecordBytes = 64 * 1024;  // a larger change is written as a compaction

 private:
  hal::Status compact(const Ptb& ptb);
  hal::Status append(const std::string& payload);
  void close_journal();

  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::filesystem::path journal_;
  std::filesystem::path journal_temp_;
  JournalLimits limits_;

  // The state on disk, as this object knows it (set by load() and every successful commit()).
  std::optional<Ptb> base_;          // last committed state; nullopt: unknown or none → compact next
  std::string snapshot_digest_;      // SHA-256 (hex) of ptb.json's bytes
  std::string snapshot_text_;        // ptb.json's bytes
  int journal_fd_ = -1;              // open for append after a compaction or a clean load
  std::uint64_t journal_bytes_ = 0;  // valid bytes in the journal
  std::uint64_t next_seq_ = 1;
  bool must_compact_ = true;
  bool torn_tail_ = false;
  bool stale_journal_ = false;
  std::uint64_t compactions_ = 0;
  std::uint64_t appended_ = 0;
};

}  // namespace tapbench::firmware::port
