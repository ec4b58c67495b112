#include "server/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tapbench::server {

namespace {

namespace json = boost::json;

// Schema migrations, applied in order; PRAGMA user_version records how many have run. Append only.
const char* const kMigrations[] = {
    // 1: initial schema
    R"sql(
CREATE TABLE devices(
  device_id        TEXT PRIMARY KEY,
  pages            INTEGER NOT NULL,
  ink              TEXT NOT NULL,
  active           INTEGER NOT NULL DEFAULT 1,
  free_charge_used INTEGER NOT NULL DEFAULT 0,
  registered_at    INTEGER NOT NULL,
  last_sync_at     INTEGER
);
CREATE TABLE tokens(
  hash         TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  device_id    TEXT NOT NULL REFERENCES devices(device_id),
  issued_at    INTEGER NOT NULL,
  last_used_at INTEGER,
  expires_at   INTEGER,
  pages        INTEGER NOT NULL DEFAULT 0,
  purpose      TEXT NOT NULL DEFAULT '',
  terminal_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_expires_at ON tokens(expires_at);
CREATE INDEX tokens_device ON tokens(device_id, kind);
CREATE TABLE spent_tokens(
  hash     TEXT PRIMARY KEY,
  kind     TEXT NOT NULL,
  spent_at INTEGER NOT NULL
);
CREATE TABLE credits(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id  TEXT NOT NULL REFERENCES devices(device_id),
  pages      INTEGER NOT NULL,
  source     TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  applied_at INTEGER
);
CREATE INDEX credits_pending ON credits(device_id, applied_at);
CREATE TABLE notices(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id  TEXT NOT NULL REFERENCES devices(device_id),
  color      TEXT NOT NULL,
  level      INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  closed_at  INTEGER
);
CREATE TABLE exchange_requests(
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id  TEXT NOT NULL REFERENCES devices(device_id),
  colors     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE payments(
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id    TEXT NOT NULL REFERENCES devices(device_id),
  amount_cents INTEGER NOT NULL,
  pages        INTEGER NOT NULL,
  reference    TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
)sql",
    // 2: idempotent paid charges (a retried request finds its payment and gets its CWT reissued)
    R"sql(
ALTER TABLE payments ADD COLUMN request_id TEXT;
ALTER TABLE payments ADD COLUMN cwt_hash TEXT;
ALTER TABLE payments ADD COLUMN credited_at INTEGER;
CREATE UNIQUE INDEX payments_request ON payments(device_id, request_id) WHERE request_id IS NOT NULL;
)sql",
};

constexpr int kSchemaVersion = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

// Stamps are Unix milliseconds (sub-second TTLs in fixtures, exact boundaries with ManualClock).
std::int64_t to_ms(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
SystemTime from_ms(std::int64_t ms) {
  return SystemTime{std::chrono::duration_cast<SystemTime::duration>(std::chrono::milliseconds{ms})};
}

std::string ink_to_json(const InkLevels& ink) {
  json::object o;
  for (const auto& [color, level] : ink)
    o[color] = level;
  return json::serialize(o);
}

InkLevels ink_from_json(const std::string& text) {
  InkLevels out;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [k, val] : v.as_object()) {
    if (val.is_int64()) out[std::string{k}] = static_cast<int>(val.as_int64());
  }
  return out;
}

// Prepared statements of one connection, kept for its lifetime (parsing a statement costs more than running
// the point queries vendord makes). Keyed by the SQL literal's address: only string literals go through it.
class StmtCache {
 public:
  explicit StmtCache(sqlite3* db) : db_(db) {}
  ~StmtCache() { clear(); }
  void clear() {
    for (auto& [sql, e] : entries_)
      sqlite3_finalize(e.stmt);
    entries_.clear();
  }
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;

  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  // The cached statement, or nullptr when it is in use (a nested use of the same SQL prepares its own).
  Entry* acquire(const char* sql) {
    auto [it, fresh] = entries_.try_emplace(sql);
    if (fresh) {
      if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second.stmt, nullptr) !=
          SQLITE_OK) {
        entries_.erase(it);
        throw StoreFailure(std::string{"sqlite prepare: "} + sqlite3_errmsg(db_));
      }
    }
    if (it->second.in_use) return nullptr;
    it->second.in_use = true;
    return &it->second;
  }

 private:
  sqlite3* db_;
  std::unordered_map<const char*, Entry> entries_;
};

// A pooled connection as the store's methods see it: the handle and its statement cache.
struct Db {
  sqlite3* raw;
  StmtCache* cache;
  std::mutex* writers;  // the store's writers queue here rather than in SQLite's sleeping busy handler
  operator sqlite3*() const { return raw; }  // NOLINT(google-explicit-constructor): SQLite's C API
};

class Stmt {
 public:
  // Uncached (migrations, one-off statements).
  Stmt(sqlite3* db, const char* sql) : db_(db) { prepare(sql); }
  // From the connection's cache; `sql` must be a string literal.
  Stmt(Db db, const char* sql) : db_(db.raw) {
    entry_ = db.cache->acquire(sql);
    if (entry_) {
      stmt_ = entry_->stmt;
    } else {
      prepare(sql);
    }
  }
  ~Stmt() {
    if (entry_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      entry_->in_use = false;
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& bind(int i, std::optional<std::int64_t> v) {
    check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) throw StoreConflict(sqlite3_errmsg(db_));
    throw StoreFailure(std::string{"sqlite step: "} + sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }
  std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::optional<std::int64_t> opt_i64(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>{i64(col)};
  }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string{p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))} : std::string{};
  }

 private:
  void prepare(const char* sql) {
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw StoreFailure(std::string{"sqlite prepare: "} + sqlite3_errmsg(db_));
    }
  }
  void check(int rc) {
    if (rc != SQLITE_OK) throw StoreFailure(std::string{"sqlite bind: "} + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  StmtCache::Entry* entry_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    if (msg.find("constraint") != std::string::npos) throw StoreConflict(msg);
    throw StoreFailure("sqlite: " + msg);
  }
}

// BEGIN IMMEDIATE … COMMIT, rolled back on any exception (so a refused request writes nothing).
// Writers of this process take turns on the store's mutex first (a queue that wakes the next writer at
// once; SQLite's busy handler would sleep and poll); BEGIN IMMEDIATE still excludes other processes.
class WriteTx {
 public:
  explicit WriteTx(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  explicit WriteTx(Db db) : turn_(*db.writers), db_(db.raw) { exec(db_, "BEGIN IMMEDIATE"); }
  ~WriteTx() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  std::unique_lock<std::mutex> turn_;  // released after COMMIT/ROLLBACK (destroyed last)
  sqlite3* db_;
  bool done_ = false;
};

// Commits on this connection skip the fsync while it lives (synchronous=NORMAL; WAL keeps them atomic and
// ordered, and the next FULL commit of any connection flushes them too). Only for transactions whose writes
// may be lost on power failure without harm: the idle-timer refresh after a use (lost → the token expires
// earlier, never later) and authentication's deletion of an expired token (lost → deleted again at its next
// use). An authenticated read otherwise paid one fsync (≈4 ms on the bench VMs' disk); see
// docs/PERFORMANCE.md.
class RelaxedSync {
 public:
  RelaxedSync(sqlite3* db, bool full) : db_(full ? db : nullptr) {
    if (db_) exec(db_, "PRAGMA synchronous = NORMAL");
  }
  ~RelaxedSync() {
    // Never hand a connection back to the pool without FULL: restoring a pragma cannot fail short of a
    // broken handle, and a silently non-durable connection would be worse than stopping.
    if (db_ && sqlite3_exec(db_, "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr) != SQLITE_OK)
      std::abort();
  }
  RelaxedSync(const RelaxedSync&) = delete;
  RelaxedSync& operator=(const RelaxedSync&) = delete;

 private:
  sqlite3* db_;
};

std::optional<std::int64_t> opt_ms(const std::optional<SystemTime>& t) {
  return t ? std::optional<std::int64_t>{to_ms(*t)} : std::nullopt;
}

void insert_token_row(Db db, const TokenRow& r) {
  Stmt s(db,
         "INSERT INTO tokens(hash, kind, device_id, issued_at, last_used_at, expires_at, pages, purpose, "
         "terminal_id) VALUES(?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.hash.hex())
      .bind(2, std::string{token::name(r.kind)})
      .bind(3, r.device_id)
      .bind(4, to_ms(r.issued_at))
      .bind(5, opt_ms(r.last_used_at))
      .bind(6, opt_ms(r.expires_at))
      .bind(7, r.pages)
      .bind(8, r.purpose)
      .bind(9, r.terminal_id);
  s.run();
}

TokenOutcome outcome_of(token::Verdict v) {
  switch (v) {
    case token::Verdict::Valid:
      return TokenOutcome::Ok;
    case token::Verdict::Expired:
      return TokenOutcome::Expired;
    case token::Verdict::IdleExpired:
      return TokenOutcome::IdleExpired;
    case token::Verdict::Exhausted:
      return TokenOutcome::Expired;
  }
  return TokenOutcome::Unknown;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {
    if (options_.path.empty() || options_.path == ":memory:") {
      throw StoreFailure("sqlite store needs a database file path (not :memory:)");
    }
    std::unique_ptr<Conn> c = checkout();
    migrate(c->db);  // on failure the connection closes with `c`
    checkin(std::move(c));
    if (options_.group_commit)
      committer_ = std::thread([this, conn = checkout()]() mutable { commit_loop(*conn); });
  }

  ~SqliteStore() override {
    if (committer_.joinable()) {
      {
        std::lock_guard lock(gc_mutex_);
        gc_stop_ = true;
      }
      gc_wake_.notify_all();
      committer_.join();
    }
    try {
      std::lock_guard lock(touch_mutex_);
      flush_touches_locked();
    } catch (const std::exception&) {  // at worst some SVTs expire earlier
    }
    idle_.clear();
  }

  void register_device(const Device& d, const TokenRow& st) override {
    with_db([&](Db db) {
      WriteTx tx(db);
      {
        Stmt exists(db, "SELECT 1 FROM devices WHERE device_id = ?");
        exists.bind(1, d.device_id);
        if (exists.step()) throw StoreConflict("device " + d.device_id + " is already registered");
      }
      Stmt s(db,
             "INSERT INTO devices(device_id, pages, ink, active, free_charge_used, registered_at) "
             "VALUES(?,?,?,1,0,?)");
      s.bind(1, d.device_id).bind(2, d.pages).bind(3, ink_to_json(d.ink)).bind(4, to_ms(d.registered_at));
      s.run();
      insert_token_row(db, st);
      tx.commit();
    });
  }

  // Authentication reads the token row on every request (no cache of accepted tokens), so a deletion by
  // this or another process on the same database is seen by the next request. A deferred idle-timer
  // refresh of a revoked token is skipped when it is flushed (its row is gone).
  std::int64_t revoke_tokens(const std::string& device_id, token::Kind kind) override {
    return with_db([&](Db db) {
      WriteTx tx(db);
      Stmt del(db, "DELETE FROM tokens WHERE device_id = ? AND kind = ?");
      del.bind(1, device_id).bind(2, std::string{token::name(kind)});
      del.run();
      const std::int64_t n = sqlite3_changes(db.raw);
      tx.commit();
      return n;
    });
  }

  std::optional<Device> device(const std::string& device_id) override {
    return with_db([&](Db db) -> std::optional<Device> {
      Stmt s(
          db,
          "SELECT pages, ink, active, free_charge_used, registered_at, last_sync_at, "
          "(SELECT COALESCE(SUM(pages), 0) FROM credits c WHERE c.device_id = d.device_id AND c.applied_at "
          "IS NULL) FROM devices d WHERE device_id = ?");
      s.bind(1, device_id);
      if (!s.step()) return std::nullopt;
      Device d;
      d.device_id = device_id;
      d.pages = s.i64(0);
      d.ink = ink_from_json(s.text(1));
      d.active = s.i64(2) != 0;
      d.free_charge_used = s.i64(3) != 0;
      d.registered_at = from_ms(s.i64(4));
      if (auto t = s.opt_i64(5)) d.last_sync_at = from_ms(*t);
      d.pending_pages = s.i64(6);
      return d;
    });
  }

  bool insert_token(const TokenRow& row, std::int64_t max_live, SystemTime now) override {
    return with_db([&](Db db) {
      WriteTx tx(db);
      if (max_live > 0) {
        Stmt live(db,
                  "SELECT COUNT(*) FROM tokens WHERE device_id = ? AND kind = ? AND (expires_at IS NULL OR "
                  "expires_at > ?)");
        live.bind(1, row.device_id).bind(2, std::string{token::name(row.kind)}).bind(3, to_ms(now));
        live.step();
        if (live.i64(0) >= max_live) return false;  // rolled back: nothing written
      }
      insert_token_row(db, row);
      tx.commit();
      return true;
    });
  }

  Authenticated authenticate(token::Kind kind, const token::Hash& hash, const token::Policy& policy,
                             SystemTime now) override {
    return with_db([&](Db db) {
      Authenticated out;
      const std::string hex = hash.hex();
      token::State state;
      {  // A point read outside any transaction (no write lock): the common case writes nothing.
        Stmt s(
            db,
            "SELECT hash, kind, device_id, issued_at, last_used_at, terminal_id FROM tokens WHERE hash = ?");
        s.bind(1, hex);
        if (!s.step()) {
          out.outcome = TokenOutcome::Unknown;
          return out;
        }
        // The lookup is by hash; compare the stored hash in constant time as well.
        const auto stored = token::Hash::from_hex(s.text(0));
        if (!stored || !token::constant_time_equal(*stored, hash)) return out;
        if (s.text(1) != token::name(kind)) {
          out.outcome = TokenOutcome::WrongKind;
          return out;
        }
        state.issued_at = from_ms(s.i64(3));
        if (auto t = s.opt_i64(4)) state.last_used_at = from_ms(*t);
        out.device_id = s.text(2);
        out.terminal_id = s.text(5);
      }
      {  // a use not yet written (touch() defers idle-timer refreshes) counts as much as a written one
        std::lock_guard lock(touch_mutex_);
        if (const auto it = touches_.find(hex); it != touches_.end()) {
          const SystemTime pending = from_ms(it->second.last_used_ms);
          if (!state.last_used_at || *state.last_used_at < pending) state.last_used_at = pending;
        }
      }
      out.outcome = outcome_of(token::evaluate(policy, state, now));
      if (out.outcome != TokenOutcome::Ok) {
        out.device_id.clear();
        out.terminal_id.clear();
        // Its only write (deleting the dead token) may be lost: RelaxedSync outlives tx.
        {
          const RelaxedSync relaxed(db, options_.synchronous_full);
          WriteTx tx(db);
          Stmt del(db, "DELETE FROM tokens WHERE hash = ?");
          del.bind(1, hex);
          del.run();
          tx.commit();
        }  // the write turn is released before touch_mutex_ is taken (flushes take them the other way)
        std::lock_guard lock(touch_mutex_);
        touches_.erase(hex);
      }
      return out;
    });
  }

  // The idle-timer refresh of a successful use is kept in memory (authenticate() merges it) and written in
  // batches: at most once per second of `now`, or every kTouchBatch uses, before every purge and at
  // shutdown. A lost refresh (crash, power loss) only makes the token expire earlier, never later.
  void touch(token::Kind kind, const token::Hash& hash, const token::Policy& policy,
             SystemTime now) override {
    if (!policy.idle_ttl) return;
    std::lock_guard lock(touch_mutex_);
    PendingTouch& t = touches_[hash.hex()];
    t.kind = kind;
    t.ttl = policy.ttl;
    t.idle_ttl = policy.idle_ttl;
    t.last_used_ms = std::max(t.last_used_ms, to_ms(now));
    const std::int64_t now_ms = to_ms(now);
    if (touches_.size() >= kTouchBatch || now_ms - last_touch_flush_ms_ >= 1000 ||
        now_ms < last_touch_flush_ms_) {
      flush_touches_locked();
      last_touch_flush_ms_ = now_ms;
    }
  }

  Redeemed exchange_svwt_for_svt(const token::Hash& svwt, const token::Policy& svwt_policy, TokenRow svt,
                                 SystemTime now) override {
    if (!options_.group_commit) {
      const bool seen_live = with_db([&](Db db) { return token_exists(db, svwt); });
      return with_db([&](Db db) {
        WriteTx tx(db);
        Redeemed r = exchange_one(db, svwt, svwt_policy, svt, now);
        tx.commit();
        r.race_lost = seen_live && r.outcome == TokenOutcome::AlreadyUsed;
        return r;
      });
    }
    ExchangeJob job{svwt, &svwt_policy, std::move(svt), now};
    enqueue(&job);
    {  // only this caller wakes: its batch is committed (or failed)
      std::unique_lock lock(gc_mutex_);
      job.answered_cv.wait(lock, [&] { return job.answered; });
    }
    if (job.error) std::rethrow_exception(job.error);
    return job.result;
  }

  void exchange_svwt_for_svt_async(const token::Hash& svwt, const token::Policy& svwt_policy, TokenRow svt,
                                   SystemTime now, ExchangeDone done) override {
    if (!options_.group_commit) {
      Store::exchange_svwt_for_svt_async(svwt, svwt_policy, std::move(svt), now, std::move(done));
      return;
    }
    auto job = std::make_unique<ExchangeJob>(svwt, &svwt_policy, std::move(svt), now);
    job->done = std::move(done);
    enqueue(job.release());  // the committer deletes it after calling done
  }

  ChargeApplied redeem_cwt(const token::Hash& cwt, const token::Policy& cwt_policy, SystemTime now) override {
    return with_db([&](Db db) {
      ChargeApplied out;
      const bool seen_live = token_exists(db, cwt);
      WriteTx tx(db);
      out.redeemed = take_single_use(db, token::Kind::CWT, cwt, cwt_policy, now);
      const std::string hash_hex = cwt.hex();
      out.redeemed.race_lost = seen_live && out.redeemed.outcome == TokenOutcome::AlreadyUsed;
      if (out.redeemed.outcome == TokenOutcome::Ok) {
        const TokenRow& row = out.redeemed.row;
        std::int64_t pages = row.pages;
        if (row.purpose == "free") {
          // The free charge is granted once per device, whatever number of CWTs were confirmed (S87).
          Stmt guard(db,
                     "UPDATE devices SET free_charge_used = 1 WHERE device_id = ? AND free_charge_used = 0");
          guard.bind(1, row.device_id);
          guard.run();
          if (sqlite3_changes(db) == 0) pages = 0;
        }
        if (row.purpose == "paid") {  // the payment is now settled: a retried request gets no new CWT
          Stmt settled(db, "UPDATE payments SET credited_at = ? WHERE cwt_hash = ?");
          settled.bind(1, to_ms(now)).bind(2, hash_hex);
          settled.run();
        }
        if (pages > 0) {
          Stmt c(db, "INSERT INTO credits(device_id, pages, source, created_at) VALUES(?,?,?,?)");
          c.bind(1, row.device_id).bind(2, pages).bind(3, row.purpose).bind(4, to_ms(now));
          c.run();
          out.credit_id = sqlite3_last_insert_rowid(db);
        }
        out.pages_granted = pages;
      }
      tx.commit();
      return out;
    });
  }

  SyncResult sync(const std::string& device_id, const SyncReport& report, int ink_low_percent,
                  SystemTime now) override {
    return with_db([&](Db db) {
      SyncResult out;
      WriteTx tx(db);
      {
        Stmt d(db, "SELECT active FROM devices WHERE device_id = ?");
        d.bind(1, device_id);
        if (!d.step()) throw StoreNotFound("device " + device_id + " is not registered");
        out.active = d.i64(0) != 0;
      }
      if (report.applied_credit_id > 0) {
        Stmt known(db, "SELECT 1 FROM credits WHERE device_id = ? AND id = ?");
        known.bind(1, device_id).bind(2, report.applied_credit_id);
        if (!known.step()) {
          throw StoreInvalid("applied_credit_id " + std::to_string(report.applied_credit_id) +
                             " was never given to this device");
        }
        Stmt ack(db,
                 "UPDATE credits SET applied_at = ? WHERE device_id = ? AND id <= ? AND applied_at IS NULL");
        ack.bind(1, to_ms(now)).bind(2, device_id).bind(3, report.applied_credit_id);
        ack.run();
      }
      {
        Stmt up(db, "UPDATE devices SET pages = ?, ink = ?, last_sync_at = ? WHERE device_id = ?");
        up.bind(1, report.pages).bind(2, ink_to_json(report.ink)).bind(3, to_ms(now)).bind(4, device_id);
        up.run();
      }
      for (const auto& [color, level] : report.ink) {
        if (level < ink_low_percent) {
          Stmt open(db, "SELECT 1 FROM notices WHERE device_id = ? AND color = ? AND closed_at IS NULL");
          open.bind(1, device_id).bind(2, color);
          if (!open.step()) {
            Stmt ins(db, "INSERT INTO notices(device_id, color, level, created_at) VALUES(?,?,?,?)");
            ins.bind(1, device_id).bind(2, color).bind(3, std::int64_t{level}).bind(4, to_ms(now));
            ins.run();
          }
        } else {  // refilled or replaced: the episode is over
          Stmt close(
              db, "UPDATE notices SET closed_at = ? WHERE device_id = ? AND color = ? AND closed_at IS NULL");
          close.bind(1, to_ms(now)).bind(2, device_id).bind(3, color);
          close.run();
        }
      }
      {
        Stmt pending(
            db,
            "SELECT COALESCE(SUM(pages), 0), COALESCE(MAX(id), 0) FROM credits WHERE device_id = ? AND "
            "applied_at IS NULL");
        pending.bind(1, device_id);
        pending.step();
        out.add_pages = pending.i64(0);
        out.credit_through = out.add_pages > 0 ? pending.i64(1) : report.applied_credit_id;
      }
      {
        Stmt low(db, "SELECT color FROM notices WHERE device_id = ? AND closed_at IS NULL ORDER BY color");
        low.bind(1, device_id);
        while (low.step())
          out.ink_low.push_back(low.text(0));
      }
      tx.commit();
      return out;
    });
  }

  void set_active(const std::string& device_id, bool active) override {
    with_db([&](Db db) {
      WriteTx tx(db);
      Stmt s(db, "UPDATE devices SET active = ? WHERE device_id = ?");
      s.bind(1, std::int64_t{active ? 1 : 0}).bind(2, device_id);
      s.run();
      if (sqlite3_changes(db) == 0) throw StoreNotFound("device " + device_id + " is not registered");
      tx.commit();
    });
  }

  std::vector<Notice> open_notices(const std::string& device_id) override {
    return with_db([&](Db db) {
      std::vector<Notice> out;
      Stmt s(db,
             "SELECT id, color, level, created_at FROM notices WHERE device_id = ? AND closed_at IS NULL "
             "ORDER BY "
             "color");
      s.bind(1, device_id);
      while (s.step()) {
        out.push_back(Notice{s.i64(0), s.text(1), static_cast<int>(s.i64(2)), from_ms(s.i64(3))});
      }
      return out;
    });
  }

  std::int64_t record_exchange_request(const std::string& device_id, const std::vector<std::string>& colors,
                                       SystemTime now) override {
    return with_db([&](Db db) {
      WriteTx tx(db);
      json::array arr;
      for (const auto& c : colors)
        arr.emplace_back(c);
      Stmt s(db, "INSERT INTO exchange_requests(device_id, colors, created_at) VALUES(?,?,?)");
      s.bind(1, device_id).bind(2, json::serialize(arr)).bind(3, to_ms(now));
      s.run();
      const std::int64_t id = sqlite3_last_insert_rowid(db);
      for (const auto& c : colors) {
        Stmt close(
            db, "UPDATE notices SET closed_at = ? WHERE device_id = ? AND color = ? AND closed_at IS NULL");
        close.bind(1, to_ms(now)).bind(2, device_id).bind(3, c);
        close.run();
      }
      tx.commit();
      return id;
    });
  }

  std::int64_t record_payment_and_cwt(const std::string& device_id, std::int64_t amount_cents,
                                      const std::string& reference, const std::string& request_id,
                                      const TokenRow& cwt) override {
    return with_db([&](Db db) {
      WriteTx tx(db);
      Stmt s(
          db,
          "INSERT INTO payments(device_id, amount_cents, pages, reference, created_at, request_id, cwt_hash) "
          "VALUES(?,?,?,?,?,?,?)");
      s.bind(1, device_id)
          .bind(2, amount_cents)
          .bind(3, cwt.pages)
          .bind(4, reference)
          .bind(5, to_ms(cwt.issued_at));
      if (request_id.empty()) {
        s.bind(6, std::optional<std::int64_t>{});
      } else {
        s.bind(6, request_id);
      }
      s.bind(7, cwt.hash.hex());
      s.run();
      const std::int64_t id = sqlite3_last_insert_rowid(db);
      insert_token_row(db, cwt);
      tx.commit();
      return id;
    });
  }

  std::optional<Payment> find_payment(const std::string& device_id, const std::string& request_id) override {
    return with_db([&](Db db) -> std::optional<Payment> {
      Stmt s(
          db,
          "SELECT id, amount_cents, pages, reference FROM payments WHERE device_id = ? AND request_id = ?");
      s.bind(1, device_id).bind(2, request_id);
      if (!s.step()) return std::nullopt;
      return Payment{s.i64(0), s.i64(1), s.i64(2), s.text(3)};
    });
  }

  bool reissue_payment_cwt(std::int64_t payment_id, const TokenRow& cwt) override {
    return with_db([&](Db db) {
      WriteTx tx(db);
      Stmt p(db, "SELECT cwt_hash, credited_at FROM payments WHERE id = ?");
      p.bind(1, payment_id);
      if (!p.step()) throw StoreNotFound("payment " + std::to_string(payment_id) + " does not exist");
      const std::string old = p.text(0);
      if (!p.is_null(1)) return false;  // its CWT was redeemed: the pages are credited already
      Stmt del(db, "DELETE FROM tokens WHERE hash = ?");
      del.bind(1, old);
      del.run();
      insert_token_row(db, cwt);
      Stmt up(db, "UPDATE payments SET cwt_hash = ? WHERE id = ?");
      up.bind(1, cwt.hash.hex()).bind(2, payment_id);
      up.run();
      tx.commit();
      return true;
    });
  }

  Purged purge(SystemTime now, std::chrono::seconds keep_spent) override {
    // Deadlines in the table must include every use first; no use lands between that and the deletion.
    std::lock_guard touch_lock(touch_mutex_);
    flush_touches_locked();
    return with_db([&](Db db) {
      WriteTx tx(db);
      Purged out;
      Stmt t(db, "DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at <= ? RETURNING kind");
      t.bind(1, to_ms(now));
      while (t.step()) {
        if (const auto k = token::parse_kind(t.text(0))) ++out.expired[*k];
      }
      Stmt s(db, "DELETE FROM spent_tokens WHERE spent_at <= ?");
      s.bind(1, to_ms(now - keep_spent));
      s.run();
      out.spent_records = sqlite3_changes(db);
      tx.commit();
      return out;
    });
  }

  Totals totals() override {
    return with_db([&](Db db) {
      Totals t;
      Stmt s(
          db,
          "SELECT (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM credits), (SELECT "
          "COALESCE(SUM(pages),0) "
          "FROM credits), (SELECT COALESCE(SUM(pages),0) FROM credits WHERE applied_at IS NOT NULL), (SELECT "
          "COUNT(*) FROM tokens), (SELECT COUNT(*) FROM spent_tokens), (SELECT COUNT(*) FROM payments)");
      s.step();
      t.devices = s.i64(0);
      t.credits = s.i64(1);
      t.credited_pages = s.i64(2);
      t.applied_pages = s.i64(3);
      t.live_tokens = s.i64(4);
      t.spent_tokens = s.i64(5);
      t.payments = s.i64(6);
      return t;
    });
  }

 private:
  // One pooled connection and its prepared statements (finalized before the handle is closed).
  struct Conn {
    explicit Conn(sqlite3* handle) : db(handle), cache(handle) {}
    ~Conn() {
      cache.clear();
      sqlite3_close_v2(db);
    }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    sqlite3* db;
    StmtCache cache;
  };

  struct PendingTouch {
    token::Kind kind = token::Kind::SVT;
    std::optional<std::chrono::seconds> ttl, idle_ttl;  // of its policy (the deadline needs only these)
    std::int64_t last_used_ms = 0;
  };
  static constexpr std::size_t kTouchBatch = 1024;

  // Writes the pending idle-timer refreshes in one transaction (no fsync: see RelaxedSync). Entries stay
  // in memory until written, so authenticate() never sees an older use than the latest. Caller holds
  // touch_mutex_.
  void flush_touches_locked() {
    if (touches_.empty()) return;
    with_db([&](Db db) {
      const RelaxedSync relaxed(db, options_.synchronous_full);  // outlives tx: restored after COMMIT
      WriteTx tx(db);
      for (const auto& [hex, t] : touches_) {
        Stmt s(db, "SELECT issued_at FROM tokens WHERE hash = ? AND kind = ?");
        s.bind(1, hex).bind(2, std::string{token::name(t.kind)});
        if (!s.step()) continue;  // deleted meanwhile: nothing to refresh
        token::State used;
        used.issued_at = from_ms(s.i64(0));
        used = token::after_use(used, from_ms(t.last_used_ms));
        token::Policy p;
        p.kind = t.kind;
        p.ttl = t.ttl;
        p.idle_ttl = t.idle_ttl;
        Stmt up(db,
                "UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?), expires_at = ? WHERE "
                "hash = ?");
        up.bind(1, t.last_used_ms).bind(2, opt_ms(token::deadline(p, used))).bind(3, hex);
        up.run();
      }
      tx.commit();
    });
    touches_.clear();
  }

  // One SVWT→SVT exchange inside the caller's write transaction.
  Redeemed exchange_one(Db db, const token::Hash& svwt, const token::Policy& policy, TokenRow& svt,
                        SystemTime now) {
    Redeemed r = take_single_use(db, token::Kind::SVWT, svwt, policy, now);
    if (r.outcome == TokenOutcome::Ok) {
      svt.device_id = r.row.device_id;
      insert_token_row(db, svt);
    }
    return r;
  }

  static constexpr std::uint64_t kRecentBatches = 64;

  struct ExchangeJob {
    ExchangeJob(const token::Hash& h, const token::Policy* p, TokenRow row, SystemTime t)
        : svwt(h), policy(p), svt(std::move(row)), now(t) {}
    token::Hash svwt;
    const token::Policy* policy;
    TokenRow svt;
    SystemTime now;
    std::uint64_t enqueued_at_batch = 0;  // batches finished when it was queued
    Redeemed result = {};
    std::exception_ptr error = {};
    ExchangeDone done = {};  // async caller: called after the batch, then the job is deleted
    // Blocking caller (no done): set and notified under gc_mutex_, so the caller (whose stack holds the
    // job) cannot return before the committer has let go of it.
    bool answered = false;
    std::condition_variable answered_cv;
  };

  void enqueue(ExchangeJob* job) {
    {
      std::lock_guard lock(gc_mutex_);
      job->enqueued_at_batch = batches_done_;
      gc_queue_.push_back(job);
      if (options_.on_group_enqueue) options_.on_group_enqueue(gc_queue_.size());
    }
    gc_wake_.notify_one();
  }

  // The committer thread: takes whatever exchanges are queued (up to max_batch), runs them in one
  // transaction, commits (one fsync), then answers them all. Nobody is answered before the commit: a crash
  // or a failed COMMIT answers the whole batch with nothing (the SVWTs stay live).
  void commit_loop(Conn& conn) {
    std::vector<ExchangeJob*> batch;
    for (;;) {
      {
        std::unique_lock lock(gc_mutex_);
        gc_wake_.wait(lock, [&] { return gc_stop_ || !gc_queue_.empty(); });
        if (gc_queue_.empty()) return;  // stopping, nothing left
        const std::size_t n = std::min(gc_queue_.size(), std::max<std::size_t>(1, options_.max_batch));
        batch.assign(gc_queue_.begin(), gc_queue_.begin() + static_cast<std::ptrdiff_t>(n));
        gc_queue_.erase(gc_queue_.begin(), gc_queue_.begin() + static_cast<std::ptrdiff_t>(n));
      }
      run_batch(Db{conn.db, &conn.cache, &writers_}, batch);
      std::lock_guard lock(gc_mutex_);
      ++batches_done_;
    }
  }

  void run_batch(Db db, const std::vector<ExchangeJob*>& batch) {
    std::vector<Redeemed> results(batch.size());
    std::vector<std::exception_ptr> errors(batch.size());
    const std::uint64_t number = batches_done_;                // only this thread changes it
    std::unordered_map<std::string, std::uint64_t> spent_now;  // SVWTs this batch redeems
    try {
      WriteTx tx(db);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        ExchangeJob& j = *batch[i];
        Stmt(db, "SAVEPOINT exchange").run();
        try {
          results[i] = exchange_one(db, j.svwt, *j.policy, j.svt, j.now);
          Stmt(db, "RELEASE exchange").run();
        } catch (...) {  // this exchange alone is undone; the others of the batch go on
          errors[i] = std::current_exception();
          Stmt(db, "ROLLBACK TO exchange").run();
          Stmt(db, "RELEASE exchange").run();
          continue;
        }
        const std::string hex = j.svwt.hex();
        if (results[i].outcome == TokenOutcome::Ok) spent_now.emplace(hex, number);
        if (results[i].outcome == TokenOutcome::AlreadyUsed) {
          // A lost race rather than a replay: the batch that spent the SVWT (this one, or one committed
          // after this request was queued) had not committed when the request came in.
          std::optional<std::uint64_t> by;  // the batch that spent it, if remembered
          if (const auto it = spent_now.find(hex); it != spent_now.end()) {
            by = it->second;
          } else if (const auto old = recent_spent_.find(hex); old != recent_spent_.end()) {
            by = old->second;
          }
          results[i].race_lost = by && *by >= j.enqueued_at_batch;
        }
      }
      if (options_.before_group_commit) options_.before_group_commit(batch.size());
      tx.commit();
      for (auto& [hex, n] : spent_now) {  // remembered for the next kRecentBatches batches
        recent_spent_[hex] = n;
        recent_order_.emplace_back(n, hex);
      }
      while (!recent_order_.empty() && recent_order_.front().first + kRecentBatches < number) {
        recent_spent_.erase(recent_order_.front().second);
        recent_order_.pop_front();
      }
    } catch (const StoreFailure&) {  // nothing of the batch is durable: every caller gets the failure
      const std::exception_ptr e = std::current_exception();
      for (auto& err : errors)
        err = e;
    } catch (const std::exception& ex) {
      const auto e = std::make_exception_ptr(StoreFailure(std::string{"group commit: "} + ex.what()));
      for (auto& err : errors)
        err = e;
    }
    // Which jobs are async is read before any blocking caller is released (its job dies with its stack).
    std::vector<std::size_t> async;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i]->done) async.push_back(i);
    }
    {
      std::lock_guard lock(gc_mutex_);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        ExchangeJob* j = batch[i];
        if (j->done) continue;
        j->result = std::move(results[i]);
        j->error = errors[i];
        j->answered = true;
        j->answered_cv.notify_one();
      }
    }
    for (const std::size_t i : async) {
      const std::unique_ptr<ExchangeJob> owned(batch[i]);
      try {
        owned->done(std::move(results[i]), errors[i]);
      } catch (...) {  // a callback must not throw; never take the committer down with it
      }
    }
  }

  static bool token_exists(Db db, const token::Hash& hash) {
    Stmt s(db, "SELECT 1 FROM tokens WHERE hash = ?");
    s.bind(1, hash.hex());
    return s.step();
  }

  // Atomic compare-and-delete inside the caller's write transaction. A look before the transaction tells
  // a lost race (live then, gone now) from a plain replay, for the races-lost metric.
  Redeemed take_single_use(Db db, token::Kind kind, const token::Hash& hash, const token::Policy& policy,
                           SystemTime now) {
    Redeemed r;
    Stmt del(
        db,
        "DELETE FROM tokens WHERE hash = ? AND kind = ? RETURNING device_id, issued_at, last_used_at, pages, "
        "purpose, terminal_id, expires_at");
    del.bind(1, hash.hex()).bind(2, std::string{token::name(kind)});
    if (!del.step()) {
      Stmt spent(db, "SELECT 1 FROM spent_tokens WHERE hash = ?");
      spent.bind(1, hash.hex());
      if (spent.step()) {
        r.outcome = TokenOutcome::AlreadyUsed;
        return r;
      }
      Stmt other(db, "SELECT 1 FROM tokens WHERE hash = ?");
      other.bind(1, hash.hex());
      r.outcome = other.step() ? TokenOutcome::WrongKind : TokenOutcome::Unknown;
      return r;
    }
    r.row.hash = hash;
    r.row.kind = kind;
    r.row.device_id = del.text(0);
    r.row.issued_at = from_ms(del.i64(1));
    if (auto t = del.opt_i64(2)) r.row.last_used_at = from_ms(*t);
    r.row.pages = del.i64(3);
    r.row.purpose = del.text(4);
    r.row.terminal_id = del.text(5);
    if (auto t = del.opt_i64(6)) r.row.expires_at = from_ms(*t);
    while (del.step()) {
    }
    token::State state;
    state.issued_at = r.row.issued_at;
    state.last_used_at = r.row.last_used_at;
    r.outcome = outcome_of(token::evaluate(policy, state, now));
    if (r.outcome == TokenOutcome::Ok) {
      Stmt spent(db, "INSERT INTO spent_tokens(hash, kind, spent_at) VALUES(?,?,?)");
      spent.bind(1, hash.hex()).bind(2, std::string{token::name(kind)}).bind(3, to_ms(now));
      spent.run();
    }
    return r;
  }

  template <typename F>
  std::invoke_result_t<F, Db> with_db(F&& f) {
    std::unique_ptr<Conn> c = checkout();
    struct Return {
      SqliteStore* self;
      std::unique_ptr<Conn>& c;
      ~Return() { self->checkin(std::move(c)); }
    } ret{this, c};
    return f(Db{c->db, &c->cache, &writers_});
  }

  std::unique_ptr<Conn> checkout() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<Conn> c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(options_.path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
      sqlite3_close_v2(db);
      throw StoreFailure("cannot open database " + options_.path + ": " + msg);
    }
    sqlite3_busy_timeout(db, options_.busy_timeout_ms);
    try {
      exec(db, "PRAGMA journal_mode = WAL");
      exec(db, options_.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      exec(db, "PRAGMA foreign_keys = ON");
    } catch (const std::exception& e) {
      sqlite3_close_v2(db);
      throw StoreFailure("cannot open database " + options_.path + ": " + e.what());
    }
    return std::make_unique<Conn>(db);
  }

  void checkin(std::unique_ptr<Conn> c) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }

  static void migrate(sqlite3* db) {
    WriteTx tx(db);
    int version = 0;
    {
      Stmt v(db, "PRAGMA user_version");
      if (v.step()) version = static_cast<int>(v.i64(0));
    }
    if (version > kSchemaVersion) {
      throw StoreFailure("database schema version " + std::to_string(version) +
                         " is newer than this vendord (" + std::to_string(kSchemaVersion) + ")");
    }
    for (int i = version; i < kSchemaVersion; ++i)
      exec(db, kMigrations[i]);
    exec(db, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    tx.commit();
  }

  SqliteOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::mutex writers_;  // one write transaction at a time in this process (WriteTx)
  // Group commit (options_.group_commit): exchanges waiting for the committer thread.
  std::mutex gc_mutex_;
  std::condition_variable gc_wake_;  // the committer: work queued or stopping
  std::deque<ExchangeJob*> gc_queue_;
  // Deferred idle-timer refreshes (touch()), by token hash.
  std::mutex touch_mutex_;
  std::unordered_map<std::string, PendingTouch> touches_;
  std::int64_t last_touch_flush_ms_ = 0;
  bool gc_stop_ = false;
  std::uint64_t batches_done_ = 0;  // written by the committer under gc_mutex_
  // The committer's memory of SVWTs it redeemed lately (hash → batch number), to tell a lost race from a
  // replay without a read before the batch.
  std::unordered_map<std::string, std::uint64_t> recent_spent_;
  std::deque<std::pair<std::uint64_t, std::string>> recent_order_;
  std::thread committer_;  // last member: started in the constructor, joined in the destructor
};

}  // namespace

std::int64_t Store::Purged::total() const {
  std::int64_t n = spent_records;
  for (const auto& [kind, count] : expired)
    n += count;
  return n;
}

const char* to_string(TokenOutcome o) {
  switch (o) {
    case TokenOutcome::Ok:
      return "ok";
    case TokenOutcome::Unknown:
      return "unknown";
    case TokenOutcome::AlreadyUsed:
      return "already_used";
    case TokenOutcome::Expired:
      return "expired";
    case TokenOutcome::IdleExpired:
      return "idle_expired";
    case TokenOutcome::WrongKind:
      return "wrong_kind";
  }
  return "?";
}

std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options) {
  return std::make_unique<SqliteStore>(options);
}

int sqlite_schema_version() {
  return kSchemaVersion;
}

}  // namespace tapbench::server
