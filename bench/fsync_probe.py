# bench/fsync_probe.py DIR [N]: latency of one 4 KiB append + fdatasync in DIR (what one durable SQLite WAL commit pays)
import os, sys, time
d = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
p = os.path.join(d, "fsync-probe"); fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
buf = b"\0" * 4096; lat = []
for i in range(n):
    os.write(fd, buf); t = time.perf_counter(); os.fdatasync(fd); lat.append((time.perf_counter() - t) * 1000)
os.close(fd); os.unlink(p); lat.sort()
print(f"fdatasync after 4 KiB append, n={n}: p50 {lat[n//2]:.3f} ms, p90 {lat[int(n*.9)]:.3f} ms, p99 {lat[int(n*.99)]:.3f} ms, max {lat[-1]:.3f} ms")
