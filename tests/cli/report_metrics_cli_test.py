#!/usr/bin/python3
"""report.html and the Prometheus metrics as a user meets them (docs/BENCH.md "The HTML report",
docs/METRICS.md): `tapbench run --metrics` scraped over HTTP after a real nfc-selftest run, report.html parsed
with html.parser and checked against run.jsonl, `tapbench report --timeline`, `tapbench soak` (by duration and
ended by Ctrl-C), and bad --metrics arguments.

Usage: report_metrics_cli_test.py PATH/TO/tapbench
"""
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from html.parser import HTMLParser

TAPBENCH = None
TOKEN = "PWT-f00dfeedcafe0123456789"


def tb(*args, env=None, timeout=60):
    return subprocess.run([TAPBENCH] + list(args), capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def read_record(out):
    with open(os.path.join(out, "run.jsonl")) as f:
        return [json.loads(l) for l in f]


def nearest_rank(values, q):
    values = sorted(values)
    rank = min(max(math.ceil(q * len(values)), 1), len(values))
    return values[rank - 1]


def expected_latency(record, case):
    """phase -> [phase, n, p50, p90, p99, max] in ms with three decimals, computed from run.jsonl as docs/BENCH.md
    defines a phase's time."""
    spans = {}
    whole = []
    for line in record:
        if line["type"] != "cycle" or line["case"] != case:
            continue
        previous = 0
        for p in line["phases"]:
            if "at_ns" in p:
                spans.setdefault(p["name"], []).append(p["at_ns"] - previous)
                previous = p["at_ns"]
        if line["outcome"] == "PASS":
            whole.append(line["took_ns"])
    if whole:
        spans["cycle"] = whole
    out = {}
    for phase, values in spans.items():
        out[phase] = [phase, str(len(values))] + ["%.3f" % (nearest_rank(values, q) / 1e6) for q in (0.5, 0.9, 0.99)] + \
                     ["%.3f" % (max(values) / 1e6)]
    return out


class Report(HTMLParser):
    """What report.html holds: the latency tables, the SVG elements, the external references, the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = {}
        self.external = []
        self.latency = {}  # case -> phase -> cells
        self.env = {}
        self.timelines = []  # (cycle, attempt)
        self.text = []
        self._case = None
        self._row = None
        self._cell = None
        self._env_key = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.external.append((tag, k, v))
        if tag in ("script", "link", "iframe", "img", "object", "embed"):
            self.external.append((tag, "", ""))
        if tag == "table" and "latency" in a.get("class", ""):
            self._case = a["data-case"]
            self.latency[self._case] = {}
        if tag == "tr" and self._case and "data-phase" in a:
            self._row = a["data-phase"]
            self.latency[self._case][self._row] = []
        if tag == "td" and self._row:
            self._cell = ""
        if tag == "dd" and "data-key" in a:
            self._env_key = a["data-key"]
            self.env[self._env_key] = ""
        if tag == "figure" and "data-cycle" in a:
            self.timelines.append((int(a["data-cycle"]), int(a["data-attempt"])))

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None and self._cell is not None:
            self.latency[self._case][self._row].append(self._cell.strip())
            self._cell = None
        if tag == "tr":
            self._row = None
        if tag == "table":
            self._case = None
        if tag == "dd":
            self._env_key = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell += data
        if self._env_key:
            self.env[self._env_key] += data


def parse_report(out):
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        raw = f.read()
    r = Report()
    r.feed(raw)
    r.close()
    return r, raw


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read().decode()


def samples(text):
    """name{labels} -> value, from the Prometheus text format."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
        if m:
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            out[(m.group(1), tuple(sorted(labels.items())))] = float(m.group(3))
    return out


def value(s, name, **labels):
    return s.get((name, tuple(sorted(labels.items()))))


class RunWithMetrics(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "run")

    def tearDown(self):
        self.tmp.cleanup()

    def start_held_run(self, *extra, env=None):
        """Starts a run that holds its final metrics for a scrape; returns (proc, url) once the run is done."""
        proc = subprocess.Popen([TAPBENCH, "run", "--bench", "sim", "--metrics", "127.0.0.1:0", "--metrics-hold",
                                 "60s", "--out", self.out] + list(extra), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=dict(os.environ, **(env or {})))
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        url, lines = None, []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # every read returns at a line; the process ends within the hold
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"metrics on (http://\S+/metrics)", line)
            if m and url is None:
                url = m.group(1)
            if "until the next scrape" in line:
                return proc, url, lines
        self.fail("the run never offered its final metrics: " + "".join(lines))

    def test_nfc_selftest_metrics_scraped_over_http_match_the_run_record(self):
        proc, url, lines = self.start_held_run("--case", "nfc-selftest", "--cycles", "5")
        self.assertRegex(url, r"^http://127\.0\.0\.1:\d+/metrics$")
        text = scrape(url)
        _, rest = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, "".join(lines) + rest)
        self.assertIn("final metrics scraped", rest)
        s = samples(text)
        base = dict(bench="sim", case="nfc-selftest")
        self.assertEqual(value(s, "tapbench_cycles_total", result="PASS", **base), 5)
        for result in ("FAIL", "ERROR", "SKIP"):
            self.assertEqual(value(s, "tapbench_cycles_total", result=result, **base), 0)
        self.assertEqual(value(s, "tapbench_bench_healthy", bench="sim"), 1)
        self.assertEqual(value(s, "tapbench_run_info", bench="sim", suite="nfc-selftest",
                               version=tb("--version").stdout.split()[-1]), 1)
        record = read_record(self.out)
        cycles = [l for l in record if l["type"] == "cycle"]
        for phase in ("field_on", "target_found", "ndef_read"):
            labels = dict(base, phase=phase, firmware="unknown")
            self.assertEqual(value(s, "tapbench_phase_duration_seconds_count", **labels), 5, phase)
            spans = []
            for c in cycles:
                previous = 0
                for p in c["phases"]:
                    if p["name"] == phase:
                        spans.append(p["at_ns"] - previous)
                    previous = p.get("at_ns", previous)
            self.assertAlmostEqual(value(s, "tapbench_phase_duration_seconds_sum", **labels), sum(spans) / 1e9,
                                   places=6)
            self.assertEqual(value(s, "tapbench_phase_duration_seconds_bucket", le="+Inf", **labels), 5)
            # Buckets are cumulative and agree with the spans.
            self.assertEqual(value(s, "tapbench_phase_duration_seconds_bucket", le="0.1", **labels),
                             len([v for v in spans if v <= 0.1e9]))
        self.assertEqual(value(s, "tapbench_cycle_duration_seconds_count", result="PASS", firmware="unknown",
                               **base), 5)
        self.assertNotIn("tapbench_failures_total{", text)
        # Every tapbench family in the scrape is one the docs and the dashboard know.
        names = set(re.findall(r"^# TYPE (tapbench_\w+) ", text, re.M))
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "grafana", "tapbench.json")) as f:
            dashboard = f.read()
        for name in names:
            self.assertIn(name, dashboard)

    def test_a_setup_error_is_counted_by_class_and_shown_in_the_report(self):
        proc, url, lines = self.start_held_run("--case", "nfc-selftest",
                                               env={"TAPBENCH_PN532_SIM_BIN": "/nonexistent/pn532-sim"})
        s = samples(scrape(url))
        _, rest = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 3, "".join(lines) + rest)
        failures = {k: v for k, v in s.items() if k[0] == "tapbench_failures_total"}
        self.assertEqual(len(failures), 1, failures)
        (name, labels), count = next(iter(failures.items()))
        labels = dict(labels)
        self.assertEqual(count, 1)
        self.assertEqual((labels["step"], labels["result"], labels["case"]), ("setup", "ERROR", "nfc-selftest"))
        step = [l for l in read_record(self.out) if l["type"] == "step" and l["step"] == "setup"][0]
        self.assertEqual(labels["class"], step["class"])
        report, raw = parse_report(self.out)
        text = "".join(report.text)
        self.assertIn(step["class"], text)
        self.assertIn("cannot start /nonexistent/pn532-sim", text)
        self.assertEqual(report.external, [])

    def test_report_html_agrees_with_the_run_record_and_keeps_tokens_out_of_log_tails(self):
        r = tb("run", "--bench", "sim", "--case", "nfc-selftest", "--cycles", "12", "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("report " + os.path.join(self.out, "report.html"), r.stderr)
        report, raw = parse_report(self.out)
        self.assertEqual(report.external, [], "report.html must open offline")
        self.assertEqual(report.latency["nfc-selftest"], expected_latency(read_record(self.out), "nfc-selftest"))
        self.assertEqual(report.tags.get("svg"), 4 + 1)  # 3 phases + cycle histograms, 1 timeline (the slowest)
        self.assertGreaterEqual(report.tags.get("rect"), 12 + 3)
        self.assertEqual(report.env["bench"], "sim")
        self.assertEqual(report.env["suite"], "nfc-selftest")
        self.assertEqual(report.env["host"], os.uname().nodename)
        slowest = max((l for l in read_record(self.out) if l["type"] == "cycle"), key=lambda l: l["took_ns"])
        self.assertEqual(report.timelines, [(slowest["cycle"], slowest["attempt"])])

        # A cycle that failed, whose message and process log carry a token, and markup: `tapbench report`
        # (after the fact, no secret registry) shows the failure and the log, escaped and without the token.
        record = read_record(self.out)
        last = [l for l in record if l["type"] == "cycle"][-1]
        failed = dict(last, cycle=13, outcome="FAIL", **{"class": "ndef-mismatch"}, phase="ndef_read",
                      reason="<img src=x onerror=alert(1)> tag & reader disagree")
        failed["phases"] = [p if p["name"] != "ndef_read" else {"name": "ndef_read"} for p in last["phases"]]
        lines = [json.dumps(l) for l in record if l["type"] not in ("case_end", "run_end")]
        lines.append(json.dumps(failed))
        with open(os.path.join(self.out, "run.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(self.out, "nfc-selftest", "pn532-sim.log"), "a") as f:
            f.write(f"debug: handed over token={TOKEN}\n<b>not markup</b>\n")
        r = tb("report", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        report, raw = parse_report(self.out)
        self.assertNotIn(TOKEN, raw)
        self.assertEqual(report.external, [])
        self.assertNotIn("<img", raw)
        self.assertNotIn("<b>not markup", raw)
        text = "".join(report.text)
        self.assertIn("<img src=x onerror=alert(1)> tag & reader disagree", text)  # shown as text
        self.assertIn("handed over token=[redacted]", text)
        self.assertIn("ndef-mismatch", text)
        self.assertIn("INCOMPLETE", text)
        self.assertIn((13, 1), report.timelines)

        r = tb("report", self.out, "--timeline", "nfc-selftest:3", "--timeline", "nfc-selftest:5:1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse_report(self.out)[0].timelines, [(3, 1), (5, 1)])
        r = tb("report", self.out, "--timeline", "nfc-selftest:99")
        self.assertEqual(r.returncode, 64)
        self.assertIn("--timeline nfc-selftest:99: the run record has no such cycle", r.stderr)
        r = tb("report", self.out, "--timeline", "nfc-selftest")
        self.assertEqual(r.returncode, 64)
        self.assertIn("expected CASE:CYCLE or CASE:CYCLE:ATTEMPT", r.stderr)

    def test_bad_metrics_arguments_are_usage_errors(self):
        r = tb("run", "--case", "nfc-selftest", "--metrics", "9464", "--out", self.out)
        self.assertEqual(r.returncode, 64)
        self.assertIn("--metrics '9464' has no port", r.stderr)
        r = tb("run", "--case", "nfc-selftest", "--metrics-hold", "10s", "--out", self.out)
        self.assertEqual(r.returncode, 64)
        self.assertIn("--metrics-hold requires --metrics", r.stderr)
        with socket.socket() as busy:  # a port someone else listens on: exit 3, and no run folder left behind
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            r = tb("run", "--case", "nfc-selftest", "--metrics", "127.0.0.1:%d" % busy.getsockname()[1], "--out",
                   self.out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot serve metrics on 127.0.0.1:", r.stderr)
        self.assertFalse(os.path.exists(self.out))
        r = tb("soak", "--case", "nfc-selftest", "--duration", "30", "--out", self.out)
        self.assertEqual(r.returncode, 64)
        self.assertIn("add a unit: '30s' or '30ms'", r.stderr)


class Soak(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "soak")

    def tearDown(self):
        self.tmp.cleanup()

    def test_soak_cycles_for_its_duration(self):
        r = tb("soak", "--case", "nfc-selftest", "--duration", "1500ms", "--metrics", "127.0.0.1:0", "--out",
               self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("metrics on http://127.0.0.1:", r.stderr)
        record = read_record(self.out)
        start = [l for l in record if l["type"] == "case_start"][0]
        self.assertEqual(start["duration_ms"], 1500)
        self.assertIsNone(start["cycles"])
        cycles = [l for l in record if l["type"] == "cycle"]
        self.assertGreater(len(cycles), 2)
        end = [l for l in record if l["type"] == "case_end"][0]
        self.assertGreaterEqual(end["took_ns"], 1.5e9)
        self.assertTrue(os.path.exists(os.path.join(self.out, "report.html")))

    def test_ctrl_c_ends_a_soak_with_a_complete_run_folder(self):
        proc = subprocess.Popen([TAPBENCH, "soak", "--case", "nfc-selftest", "--metrics", "127.0.0.1:0", "--out",
                                 self.out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        record = os.path.join(self.out, "run.jsonl")
        deadline = time.monotonic() + 30
        cycles = 0
        while cycles < 3 and time.monotonic() < deadline:  # poll the record until cycles are being recorded
            if os.path.exists(record):
                with open(record) as f:
                    cycles = f.read().count('"type":"cycle"')
        self.assertGreaterEqual(cycles, 3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 130, err)
        lines = read_record(self.out)
        self.assertEqual(lines[-1]["type"], "run_end")
        self.assertTrue(lines[-1]["interrupted"])
        self.assertEqual(lines[-2]["type"], "case_end")
        report, raw = parse_report(self.out)
        recorded = [l for l in lines if l["type"] == "cycle"]
        self.assertEqual(int(report.latency["nfc-selftest"]["field_on"][1]),
                         len([c for c in recorded if c["phases"][0].get("at_ns") is not None]))
        self.assertIn("The run was interrupted.", "".join(report.text))
        with open(os.path.join(self.out, "summary.txt")) as f:
            self.assertIn("interrupted", f.read())


if __name__ == "__main__":
    TAPBENCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
