// SQLite backend of Store: WAL mode, synchronous=FULL, one connection per concurrent caller (a small pool,
// each connection keeping its prepared statements), every write in BEGIN IMMEDIATE so single-use redemption
// is one atomic compare-and-delete
// (notes/tokens.md: 16 concurrent redeemers × 20 trials, exactly one winner every time).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "server/store/store.hpp"

namespace tapbench::server {

struct SqliteOptions {
  std::string path;              // database file (created if missing); ":memory:" is refused (pool)
  int busy_timeout_ms = 10000;   // how long a writer waits for the write lock before failing
  bool synchronous_full = true;  // FULL survives power loss; NORMAL survives a process crash only
  // Group commit of SVWT→SVT exchanges: concurrent exchanges queue for one committer thread, which runs up
  // to max_batch of them in one transaction (each in its own savepoint) and answers each caller only after
  // that transaction is durably committed. One fsync per batch instead of one per exchange.
  bool group_commit = true;
  std::size_t max_batch = 256;
  // Test hooks (unset in production). on_group_enqueue: called with the queue length after a caller queued
  // its exchange. before_group_commit: called on the committer thread with the batch size before COMMIT;
  // if it throws, the batch rolls back and every caller of the batch gets StoreFailure.
  std::function<void(std::size_t)> on_group_enqueue = {};
  std::function<void(std::size_t)> before_group_commit = {};
};

// Thrown for database failures that are not the caller's fault (disk full, corrupt file, lock timeout).
class StoreFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Opens (and migrates) the database. Throws StoreFailure with the path and SQLite's message.
std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options);

// The schema version this build migrates to (PRAGMA user_version).
int sqlite_schema_version();

}  // namespace tapbench::server
