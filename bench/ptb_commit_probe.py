#!/usr/bin/env python3
"""The disk cost of one PTB commit on this file system, both ways printerd has done it, alternating:
  rename:  write ptb.json.tmp (a 900-byte PTB) + fsync + rename over ptb.json + fsync of the directory
           (JsonFileStorage before the journal: every commit);
  journal: append a 160-byte change record to ptb.journal + fdatasync (JsonFileStorage's commit now;
           the rename path runs only at a compaction).
Usage: bench/ptb_commit_probe.py DIR [N]   (DIR on the disk to measure; files are removed afterwards)
Prints one line per method: p50, p90, p99, mean in ms."""
import os
import statistics
import sys
import time


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))]


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 64
    d = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    os.makedirs(d, exist_ok=True)
    snap, tmp, journal = (os.path.join(d, x) for x in ("ptb.json", "ptb.json.tmp", "ptb.journal"))
    ptb, record = b"x" * 900, b"r" * 160
    times = {"rename": [], "journal": []}
    jfd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(n):
            t = time.perf_counter()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, ptb)
            os.fsync(fd)
            os.close(fd)
            os.rename(tmp, snap)
            dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(dfd)
            os.close(dfd)
            times["rename"].append((time.perf_counter() - t) * 1e3)
            t = time.perf_counter()
            os.write(jfd, record)
            os.fdatasync(jfd)
            times["journal"].append((time.perf_counter() - t) * 1e3)
    finally:
        os.close(jfd)
        for f in (snap, tmp, journal):
            if os.path.exists(f):
                os.remove(f)
    for k, v in times.items():
        print(f"{k}: n={n} p50 {pct(v, .5):.3f} ms, p90 {pct(v, .9):.3f} ms, p99 {pct(v, .99):.3f} ms, "
              f"mean {statistics.mean(v):.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
