#!/usr/bin/env python3
"""bench/report.py RUN [--docs docs/PERFORMANCE.md]

Reads the raw outputs bench/run left in the run folder RUN, writes RUN/results.md (the figures table) and
RUN/results.json, and with --docs replaces the generated block of docs/PERFORMANCE.md (between the
`<!-- bench/run:begin -->` and `<!-- bench/run:end -->` markers) with the same table. A figure whose
benchmark did not run shows as "not measured" with the reason; nothing is carried over from older runs.
"""
import json
import os
import re
import sys

BEGIN = "<!-- bench/run:begin -->"
END = "<!-- bench/run:end -->"


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text.strip())
    if not m:
        return None
    v = float(m.group(1))
    return {"us": v / 1000, "ms": v, "s": v * 1000}[m.group(2)]


def parse_wrk(text):
    if not text:
        return None
    out = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:
        return None
    out["rps"] = float(m.group(1))
    for p in ("50", "90", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % p, text, re.M)
        if m:
            out["p%s_ms" % p] = to_ms(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    out["socket_errors"] = m.group(1).strip() if m else ""
    return out


def f(v, digits=2):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def load_why(r):
    """Why a load step did not count as sustained (bench/load_bench.sh's criteria)."""
    if r.get("outcome") != "PASS":
        return f"{r.get('outcome', 'no result')} {r.get('cls', '')}: {r.get('reason', '')}".strip()
    if r.get("rss_mb") is None or r["rss_mb"] > 200:
        return "rig RSS above 200 MB"
    return "actions started up to the p99 lag after their schedule: more than the 2 s think time"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 64
    run = os.path.abspath(sys.argv[1])
    docs = None
    if "--docs" in sys.argv:
        docs = sys.argv[sys.argv.index("--docs") + 1]
    env = load(os.path.join(run, "env.json")) or {}
    env_end = load(os.path.join(run, "env-end.json")) or {}
    res = {"env": env}
    rows = []  # (figure, measured, reference/target, verdict)
    notes = []

    # vendord SVWT -> SVT
    ex = load(os.path.join(run, "vendord/exchange.json"))
    res["vendord_exchange"] = ex
    if ex:
        # The rate half of the target: 100 clients as fast as they can go. Their latency is queueing (mean =
        # 100 / rate by Little's law); the latency half is judged at the target's rate (next row).
        ok = ex["exchanges_per_second"] >= 10000
        rows.append((
            f"vendord SVWT→SVT, {ex['connections']} clients at full speed, durable (SQLite WAL, "
            "synchronous=FULL)",
            f"{f(ex['exchanges_per_second'], 0)}/s ({ex['exchanges_ok']} in {f(ex['seconds'])} s); "
            f"p50 {f(ex['p50_ms'])} ms, p99 {f(ex['p99_ms'])} ms",
            "≥ 10,000/s", verdict(ok)))
        notes.append(f"SVWT issue (untimed preparation, same durable path): {f(ex['issue_per_second'], 0)}/s; "
                     f"load generator CPU {f(ex['generator_cpu_seconds'])} s of {f(ex['seconds'])} s wall"
                     + ("; the time limit ended the phase" if ex.get("hit_time_limit") else ""))
    else:
        rows.append(("vendord SVWT→SVT", "not measured (see failures.txt / vendord/exchange.txt)", "", ""))
    exr = load(os.path.join(run, "vendord/exchange-rate.json"))
    res["vendord_exchange_at_rate"] = exr
    if exr:
        # The target's latency half at the target's rate: offered on a fixed schedule, latency from when each
        # request was due (a closed loop of 100 clients at full speed has mean = 100 / rate by Little's law).
        ok = exr["exchanges_per_second"] >= 0.98 * exr["offered_rate"] and exr["p99_ms"] <= 5
        rows.append((
            f"vendord SVWT→SVT at {f(exr['offered_rate'], 0)}/s offered, {exr['connections']} clients, durable",
            f"{f(exr['exchanges_per_second'], 0)}/s achieved; p50 {f(exr['p50_ms'])} ms, "
            f"p99 {f(exr['p99_ms'])} ms",
            "p99 ≤ 5 ms at 10,000/s", verdict(ok)))

    ext = load(os.path.join(run, "vendord-tmpfs/exchange.json"))
    wvt = parse_wrk(read(os.path.join(run, "vendord-tmpfs/wrk-vendord.txt")))
    res["vendord_exchange_tmpfs"], res["wrk_vendord_tmpfs"] = ext, wvt
    if ext:
        rows.append((
            "diagnostic: the same SVWT→SVT load, database on tmpfs (fsync is a no-op: NOT durable)",
            f"{f(ext['exchanges_per_second'], 0)}/s; p50 {f(ext['p50_ms'])} ms, p99 {f(ext['p99_ms'])} ms"
            + (f"; wrk read {f(wvt['rps'], 0)}/s (p99 {f(wvt.get('p99_ms'))} ms)" if wvt else ""),
            "what the path costs without the disk flush", "—"))

    wv = parse_wrk(read(os.path.join(run, "vendord/wrk-vendord.txt")))
    wn = parse_wrk(read(os.path.join(run, "nginx/wrk-nginx.txt")))
    res["wrk_vendord"], res["wrk_nginx"] = wv, wn
    if wv and wn:
        ratio = wv["rps"] / wn["rps"] if wn["rps"] else 0
        res["wrk_ratio"] = ratio
        bad = wv["non_2xx"] or wn["non_2xx"]
        rows.append((
            "Authenticated read (GET /v1/terminal/device, Bearer SVT), wrk -c100",
            f"vendord {f(wv['rps'], 0)}/s (p50 {f(wv.get('p50_ms'))} ms, p99 {f(wv.get('p99_ms'))} ms); "
            f"nginx static file {f(wn['rps'], 0)}/s (p50 {f(wn.get('p50_ms'))} ms, p99 {f(wn.get('p99_ms'))} ms); "
            f"**ratio {ratio:.3f}×**",
            "≥ 0.3× nginx", verdict(ratio >= 0.3 and not bad)))
        if bad:
            notes.append(f"wrk saw non-2xx answers: vendord {wv['non_2xx']}, nginx {wn['non_2xx']}")
    else:
        rows.append(("Authenticated read vs nginx (wrk)", "not measured (see failures.txt)", "≥ 0.3× nginx", ""))

    nfc = load(os.path.join(run, "nfc/nfc.json"))
    res["nfc"] = nfc
    if nfc:
        a, t = nfc["apdu"], nfc["tap"]
        rows.append(("Raw APDU round trip, libnfc pn532_uart → pn532-sim (SELECT AID)",
                     f"p50 {f(a['p50_ms'], 3)} ms, p99 {f(a['p99_ms'], 3)} ms (n={a['n']})",
                     "part of the handover's floor", "—"))
        rows.append((f"Whole tap field_on→ndef_read, NfcReader ({nfc['ndef_bytes']}-byte NDEF, "
                     f"{nfc['apdus_per_tap']} APDUs)",
                     f"p50 {f(t['p50_ms'], 3)} ms, p99 {f(t['p99_ms'], 3)} ms (n={t['n']}); "
                     f"field_on→target_found p50 {f(nfc['field_on_to_target_found']['p50_ms'], 3)} ms, "
                     f"target_found→ndef_read p50 {f(nfc['target_found_to_ndef_read']['p50_ms'], 3)} ms",
                     "part of the handover's floor", "—"))
    else:
        rows.append(("NFC APDU round trip / whole tap", "not measured (see failures.txt / nfc/nfc.txt)", "", ""))

    mark = load(os.path.join(run, "rig/mark.json"))
    if mark:
        med = {}
        for b in mark.get("benchmarks", []):
            if b.get("aggregate_name") != "median":
                continue
            name = b["run_name"]
            if "items_per_second" in b and b["items_per_second"]:
                med[name] = 1e9 / b["items_per_second"]
            else:
                med[name] = b["real_time"] if b.get("time_unit") == "ns" else None
        res["rig_mark_ns"] = med
        rows.append(("Rig: one phase timestamp (CycleContext::mark, RealClock)",
                     f"{f(med.get('BM_CycleMarkByIndex'), 1)} ns by index; "
                     f"{f(med.get('BM_CycleMarkByName'), 1)} ns by name (256 phases, worst case); "
                     f"floor steady_clock::now() {f(med.get('BM_SteadyClockNow'), 1)} ns",
                     "(report)", "—"))
    else:
        rows.append(("Rig: one phase timestamp", "not measured (see rig/mark.txt)", "", ""))

    sm = load(os.path.join(run, "smoke/smoke.json"))
    res["smoke"] = sm
    if sm:
        summary = read(os.path.join(run, "smoke/run/summary.txt")) or ""
        outcomes = {}
        for word in ("PASS", "FAIL", "ERROR", "SKIP"):
            n = len(re.findall(r"^\S+\s+%s\b" % word, summary, re.M))
            if n:
                outcomes[word] = n
        res["smoke"]["outcomes"] = outcomes
        what = ", ".join(f"{k} {v}" for k, v in outcomes.items()) or "see smoke/stderr.txt"
        rows.append(("Rig: `tapbench run --bench sim --suite smoke` wall time",
                     f"{f(sm['seconds'])} s, exit {sm['exit']} (cases: {what})",
                     "≤ 10 s", verdict(sm["seconds"] <= 10) + (
                         " (but nothing ran: every case SKIPs in this build)" if sm["exit"] == 3 else "")))
    else:
        rows.append(("Rig: smoke suite wall time", "not measured", "≤ 10 s", ""))

    pd = load(os.path.join(run, "ipp/printerd.json"))
    ev = load(os.path.join(run, "ipp/ippeveprinter.json"))
    ev_why = read(os.path.join(run, "ipp/ippeveprinter.unavailable"))
    pd_why = read(os.path.join(run, "ipp/printerd.unavailable"))
    res["ipp_printerd"], res["ipp_ippeveprinter"] = pd, ev
    if pd:
        ref = (f"ippeveprinter -c /bin/true: Print-Job p50 {f(ev['print_job_p50_ms'])} ms, p99 "
               f"{f(ev['print_job_p99_ms'])} ms, until completed p50 {f(ev['completed_p50_ms'])} ms, p99 "
               f"{f(ev['completed_p99_ms'])} ms; printerd/ippeveprinter p50: Print-Job "
               f"{pd['print_job_p50_ms'] / ev['print_job_p50_ms']:.1f}×, until completed "
               f"{pd['completed_p50_ms'] / ev['completed_p50_ms']:.2f}×") if ev else \
            "ippeveprinter: " + (ev_why or "not measured").strip().replace("\n", " ")
        rows.append(("printerd IPP Print-Job, one page (PWG raster black_1 300 dpi), PT by Bearer",
                     f"p50 {f(pd['print_job_p50_ms'])} ms, p99 {f(pd['print_job_p99_ms'])} ms (n={pd['jobs']}); "
                     f"until completed p50 {f(pd['completed_p50_ms'])} ms, p99 {f(pd['completed_p99_ms'])} ms", ref, "—"))
    else:
        rows.append(("printerd IPP Print-Job", "not measured: " + (pd_why or "see ipp/").strip(), "", ""))

    # Sim handover latency against its unavoidable parts (bench/handover_bench.sh)
    ho = load(os.path.join(run, "handover/handover.json"))
    res["handover"] = ho
    if ho and ho.get("n"):
        apdus = ho.get("tag_apdus_p50") or (nfc or {}).get("apdus_per_tap")
        apdu_ms = nfc["apdu"]["p50_ms"] if nfc else None
        ipp_ms = ev["print_job_p50_ms"] if ev else None
        air_ms = 350.0  # LinkModelTiming: scan_one_channel 250 + association 60 + handshake 40 (a join on a known channel)
        floor = None
        if apdus and apdu_ms is not None:
            floor = apdus * apdu_ms + air_ms + (ipp_ms or 0.0)
        ratio = ho["handover_p50_ms"] / floor if floor else None
        ratio99 = ho["handover_p99_ms"] / floor if floor else None
        rows.append((f"Sim handover field_on→auth_ok, tap-to-print ({ho['n']} cycles)",
                     f"p50 {f(ho['handover_p50_ms'])} ms, p99 {f(ho['handover_p99_ms'])} ms (tap p50 "
                     f"{f(ho['tap_p50_ms'])} ms, join p50 {f(ho['join_p50_ms'])} ms, PWT accepted p50 "
                     f"{f(ho['auth_p50_ms'])} ms); floor {f(floor)} ms = {apdus} APDUs × {f(apdu_ms, 3)} ms + "
                     f"{f(air_ms, 0)} ms modelled air time + {f(ipp_ms)} ms one IPP round trip "
                     f"(ippeveprinter){'' if ipp_ms is not None else ' (not measured: 0)'}; "
                     f"**ratio p50 {f(ratio)}×, p99 {f(ratio99)}×**; without the modelled air time: tap + PWT "
                     f"acceptance p50 {f(ho['tap_p50_ms'] + ho['auth_p50_ms'])} ms against "
                     f"{f((floor or air_ms) - air_ms)} ms of parts = "
                     f"{f((ho['tap_p50_ms'] + ho['auth_p50_ms']) / ((floor - air_ms) or 1) if floor else None)}×",
                     "≤ 1.5× its parts", verdict(ratio is not None and ratio <= 1.5) if floor else "—"))
    elif ho is not None or os.path.isdir(os.path.join(run, "handover")):
        rows.append(("Sim handover field_on→auth_ok", "not measured (see handover/stdout.txt)", "≤ 1.5× its parts", ""))

    # Load: concurrent virtual terminals one rig sustains (bench/load_bench.sh)
    ld = load(os.path.join(run, "load/load.json"))
    res["load"] = ld
    if ld and ld.get("runs"):
        parts = []
        for r in ld["runs"]:
            parts.append(f"{r['terminals']}: {r.get('outcome', 'no result')}, violations {r.get('violations', '—')}, "
                         f"rig RSS {f(r.get('rss_mb'), 1)} MB, lag p99 {f(r.get('lag_p99_ms'), 1)} ms, "
                         f"{f(r.get('ops_per_s'), 0)} requests/s, rig CPU {r.get('rig_cpu_percent', '—')} %"
                         + ("" if r.get("sustained") else " (not sustained: " + load_why(r) + ")"))
        mix = ld["runs"][0].get("mix") or "{tap: 40, print: 40, charge: 15, exchange: 5}"
        rows.append(("Load: concurrent virtual terminals sustained (load case, 2 s think time, mix "
                     f"{mix.strip('{}')}, zero violations, rig RSS ≤ 200 MB, lag p99 ≤ 2 s)",
                     f"**{ld['sustained_max']:,}** sustained; " + "; ".join(parts),
                     "≥ 1,000", verdict(ld["sustained_max"] >= 1000)))
    elif os.path.isdir(os.path.join(run, "load")):
        rows.append(("Load: concurrent virtual terminals", "not measured (see load/)", "≥ 1,000", ""))

    # Soak: the load held for a long time at the sustained level, memory over time (bench/soak_bench.sh)
    sk = load(os.path.join(run, "soak/soak.json"))
    res["soak"] = sk
    if sk and sk.get("outcome"):
        mem = sk.get("memory") or {}
        def mb(proc):
            m = mem.get(proc)
            return (f"{proc} {f(m['start_mb'], 1)} → {f(m['end_mb'], 1)} MB (max {f(m['max_mb'], 1)})"
                    if m else None)
        memory = ", ".join(x for x in (mb("tapbench"), mb("printerd"), mb("vendord"), mb("pn532-sim")) if x)
        why = ""
        if not sk.get("held"):
            why = (" (not held: " + (load_why(sk) if sk.get("outcome") != "PASS" or (sk.get("rss_mb") or 999) > 200
                                      or (sk.get("lag_p99_ms") or 1e9) > 2000
                                      else "the rig's VmRSS grew by more than 10 % + 2 MB") + ")")
        rows.append((f"Load soak: {f(sk['terminals'])} virtual terminals held {sk.get('hold', '?')}, mix "
                     f"{(sk.get('mix') or '?').strip('{}')} (VmRSS after the ramp → at the end)",
                     f"{sk.get('outcome')}, violations {sk.get('violations', '—')} of "
                     f"{f(sk.get('decisions_checked'))} decisions, {f(sk.get('operations'))} requests "
                     f"({f(sk.get('ops_per_s'), 0)}/s, {f(sk.get('transport_errors'))} unanswered), lag p99 "
                     f"{f(sk.get('lag_p99_ms'), 1)} ms, rig VmHWM {f(sk.get('rss_mb'), 1)} MB; {memory}" + why,
                     "zero violations, lag p99 ≤ 2 s, rig RSS ≤ 200 MB and not growing",
                     verdict(bool(sk.get("held")))))
    elif sk is not None or os.path.isdir(os.path.join(run, "soak")):
        rows.append(("Load soak", "not measured (see soak/stdout.txt)", "10 minutes held", ""))

    res["rows"] = rows
    res["notes"] = notes
    with open(os.path.join(run, "results.json"), "w") as fo:
        json.dump(res, fo, indent=2)

    lines = []
    lines.append(f"Run `{env.get('command', 'bench/run')}` at {env.get('date_utc', '?')} on {env.get('host', '?')} "
                 f"({env.get('cpus', '?')} CPUs, {env.get('cpu_model', '?')}; load average "
                 f"{env.get('loadavg_start', '?')} at start, {env_end.get('loadavg_end', '?')} at end), "
                 f"{env.get('build_type', '?')} build of {env.get('git', '?')} "
                 f"({os.path.basename(env.get('compiler', '?'))}).")
    lines.append("")
    lines.append("| figure | measured | reference / target | verdict |")
    lines.append("|---|---|---|---|")
    for r in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    if notes:
        lines.append("")
        for n in notes:
            lines.append(f"- {n}")
    fails = read(os.path.join(run, "failures.txt"))
    if fails:
        lines.append("")
        lines.append("Failures in this run: " + "; ".join(fails.strip().splitlines()))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(run, "results.md"), "w") as fo:
        fo.write(table)

    if docs:
        text = read(docs)
        if text is None or BEGIN not in text or END not in text:
            print(f"report.py: {docs} has no {BEGIN} … {END} block; not rewritten", file=sys.stderr)
            return 1
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(docs + ".tmp", "w") as fo:
            fo.write(head + BEGIN + "\n" + table + END + tail)
        os.replace(docs + ".tmp", docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
