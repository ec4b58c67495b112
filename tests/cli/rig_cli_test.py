#!/usr/bin/python3
"""`tapbench run|list|report` and `tapbench bench|suite validate|show` as a user meets them: what they print,
what they refuse, the run folder they write, and their exit codes (docs/BENCH.md).

Usage: rig_cli_test.py PATH/TO/tapbench
"""
import json
import os
import subprocess
import signal
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

TAPBENCH = None


def tb(*args, env=None):
    return subprocess.run([TAPBENCH] + list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


class Validate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_builtin_benches_and_suites_are_valid(self):
        r = tb("bench", "validate", "sim", "hwsim", "lab-example")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sim: OK — bench 'sim', 8 devices", r.stdout)
        r = tb("suite", "validate", "smoke", "nightly", "soak", "load")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("load: OK — suite 'load', 1 case entries", r.stdout)

    def test_show_prints_a_builtin_that_validates_as_a_file(self):
        r = tb("bench", "show", "lab-example")
        self.assertEqual(r.returncode, 0)
        path = self.write("copy.yaml", r.stdout)
        r = tb("bench", "validate", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("bench 'lab-bench-3'", r.stdout)

    def test_a_bad_bench_lists_every_problem_with_file_line_column_and_exits_65(self):
        sim = tb("bench", "show", "sim").stdout
        bad = sim.replace("    field: tap            # in range", "    feild: tap            # in range", 1)
        bad = bad.replace("printer: dut\n", "printer: dutt\n")
        path = self.write("bad.yaml", bad)
        r = tb("bench", "validate", path)
        self.assertEqual(r.returncode, 65)
        self.assertEqual(r.stdout, "")
        lines = bad.splitlines()
        feild_line = next(i for i, l in enumerate(lines, 1) if "feild:" in l)
        role_line = next(i for i, l in enumerate(lines, 1) if "printer: dutt" in l)
        self.assertIn(f"{path}:{feild_line}:5: error: unknown key 'feild' in device 'phone-nfc'", r.stderr)
        self.assertIn("hint: did you mean 'field'?", r.stderr)
        self.assertIn(f"{path}:{role_line}:12: error: role 'printer' is bound to 'dutt'", r.stderr)
        self.assertIn("hint: did you mean 'dut'?", r.stderr)
        self.assertIn(f"{path}: 2 problems", r.stderr)

    def test_a_bad_suite_exits_65_and_a_missing_file_66(self):
        path = self.write("s.yaml", "suite: s\ncases:\n  - case: tap-to-prnt\n    cycles: 0\n")
        r = tb("suite", "validate", path)
        self.assertEqual(r.returncode, 65)
        self.assertIn(f"{path}:3:11: error: unknown case 'tap-to-prnt'", r.stderr)
        self.assertIn(f"{path}:4:13: error: 'cycles' in case 'tap-to-prnt' is out of range: 0", r.stderr)
        r = tb("suite", "validate", os.path.join(self.tmp.name, "none.yaml"))
        self.assertEqual(r.returncode, 66)
        self.assertIn("no such file", r.stderr)
        r = tb("bench", "validate", "simm")
        self.assertEqual(r.returncode, 66)
        self.assertIn("did you mean 'sim'?", r.stderr)


class Run(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "run")

    def tearDown(self):
        self.tmp.cleanup()

    def test_smoke_on_sim_runs_every_flow_against_the_real_parties_and_exits_0(self):
        r = tb("run", "--bench", "sim", "--suite", "smoke", "--out", self.out, env={"NO_COLOR": "1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\033", r.stderr)  # not a terminal: plain lines
        self.assertIn("provisioning: PASS (1/1 cycles passed", r.stderr)
        self.assertIn("tapbench: 11 passed, 0 failed, 0 errored, 0 skipped", r.stderr)
        self.assertIn(f"run folder {self.out}", r.stderr)
        # The bench's processes (rig/strategy) keep their logs in the run folder, under bench/.
        self.assertEqual(sorted(os.listdir(self.out)),
                         ["bench", "junit.xml", "report.html", "run.jsonl", "summary.json", "summary.txt"])
        with open(os.path.join(self.out, "run.jsonl")) as f:
            lines = [json.loads(l) for l in f]
        self.assertEqual(lines[0]["type"], "run")
        self.assertEqual(lines[0]["bench_source"], "fixtures/benches/sim.yaml (embedded)")
        self.assertEqual(lines[-1], dict(lines[-1], type="run_end", exit_code=0))
        ends = [l for l in lines if l["type"] == "case_end"]
        self.assertEqual(len(ends), 11)
        self.assertTrue(all(e["outcome"] == "PASS" for e in ends))
        junit = ET.parse(os.path.join(self.out, "junit.xml")).getroot()
        self.assertEqual(junit.get("tests"), "11")
        self.assertEqual(junit.get("skipped"), "0")

    def server_url_bench(self):
        # The sim bench with a vendor server the rig does not start (backend url): the sim bench strategy
        # cannot bring it up, so the cases that need the strategy SKIP.
        r = tb("bench", "show", "sim")
        self.assertEqual(r.returncode, 0, r.stderr)
        text = r.stdout.replace("backend: vendord\n    port: 0               # a free port, picked at run time\n"
                                "    database: \":memory:\"", "backend: url\n    url: http://127.0.0.1:9")
        self.assertIn("backend: url", text)
        path = os.path.join(os.path.dirname(self.out), "url-server-bench.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_a_case_this_bench_cannot_run_skips_with_its_reason_and_exits_3(self):
        # Every catalogued case is implemented; token-st needs the sim bench strategy, which starts its own
        # vendord: on a bench whose server is a URL its setup SKIPs with that reason and nothing runs.
        r = tb("run", "--bench", self.server_url_bench(), "--case", "token-st", "--out", self.out,
               "--skip-health-check", env={"NO_COLOR": "1"})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("token-st: SKIP — the sim bench strategy cannot run this bench", r.stderr)
        self.assertIn("nothing ran", r.stderr)

    def test_a_run_folder_is_never_reused(self):
        bench = self.server_url_bench()
        self.assertEqual(tb("run", "--bench", bench, "--case", "token-st", "--out", self.out,
                            "--skip-health-check").returncode, 3)
        r = tb("run", "--bench", bench, "--case", "token-st", "--out", self.out, "--skip-health-check")
        self.assertEqual(r.returncode, 74)
        self.assertIn("already holds a run", r.stderr)

    def test_usage_errors(self):
        r = tb("run", "--case", "tap-to-prnt", "--out", self.out)
        self.assertEqual(r.returncode, 64)
        self.assertIn("unknown case 'tap-to-prnt'; did you mean 'tap-to-print'?", r.stderr)
        self.assertFalse(os.path.exists(self.out))  # nothing written for a run that never started
        r = tb("run", "--cycles", "0")
        self.assertEqual(r.returncode, 64)
        r = tb("run", "--bench", "nope", "--out", self.out)
        self.assertEqual(r.returncode, 66)

    def test_report_rebuilds_junit_and_summary_from_the_record_of_a_killed_run(self):
        tb("run", "--suite", "smoke", "--out", self.out)
        record = os.path.join(self.out, "run.jsonl")
        with open(record) as f:
            lines = f.readlines()
        # As if the rig had been killed during the third case, mid-way through a line.
        third = [i for i, l in enumerate(lines) if '"case_start"' in l][2]
        with open(record, "w") as f:
            f.writelines(lines[:third + 1])
            f.write('{"type":"case_end","case":"sec')
        os.remove(os.path.join(self.out, "junit.xml"))
        r = tb("report", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("result: INCOMPLETE", r.stdout)
        self.assertIn("second-tap: INCOMPLETE", r.stdout)
        self.assertIn("torn", r.stdout)
        junit = ET.parse(os.path.join(self.out, "junit.xml")).getroot()
        self.assertEqual(junit.get("tests"), "3")
        self.assertEqual(junit.get("errors"), "1")
        r = tb("report", os.path.join(self.tmp.name, "nothing-here"))
        self.assertEqual(r.returncode, 66)

    def test_nfc_selftest_taps_the_emulated_pn532_through_libnfc_and_records_every_phase(self):
        r = tb("run", "--bench", "sim", "--case", "nfc-selftest", "--cycles", "5", "--out", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nfc-selftest: PASS (5/5 cycles passed", r.stderr)
        with open(os.path.join(self.out, "run.jsonl")) as f:
            cycles = [json.loads(l) for l in f if '"type":"cycle"' in l]
        self.assertEqual(len(cycles), 5)
        for c in cycles:
            self.assertEqual(c["outcome"], "PASS")
            self.assertEqual([p["name"] for p in c["phases"]], ["field_on", "target_found", "ndef_read"])
            at = [p["at_ns"] for p in c["phases"]]
            self.assertEqual(at, sorted(at))
            self.assertLessEqual(at[-1], c["took_ns"])
            self.assertEqual(c["notes"]["ndef_bytes"], "30")
        with open(os.path.join(self.out, "summary.txt")) as f:
            summary = f.read()
        self.assertRegex(summary, r"ndef_read\s+5\s")
        # The emulator the case started is gone, its log kept in the run folder.
        with open(os.path.join(self.out, "nfc-selftest", "pn532-sim.log")) as f:
            self.assertIn("ready", f.read())
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read().decode(errors="replace")
            except OSError:
                continue
            self.assertNotIn(self.out, cmdline, "pn532-sim left running")

    def test_a_lab_bench_whose_devices_are_missing_fails_its_health_check_and_runs_nothing(self):
        r = tb("run", "--bench", "lab-example", "--case", "nfc-selftest", "--out", self.out,
               env={"TAPBENCH_LAB3_PSK": ""})
        self.assertEqual(r.returncode, 3)
        self.assertIn("nfc-selftest: ERROR — not run: bench health check failed before the suite (details in the "
                      "run summary)", r.stderr)
        self.assertIn("device 'home-ap' (router): no hostapd control socket /run/hostapd/wlx00c0ca000001", r.stderr)
        self.assertIn("the router passphrase variable TAPBENCH_LAB3_PSK is not set", r.stderr)
        self.assertIn("stopped early: bench health check failed before the suite: device 'phone-acr122'", r.stderr)
        junit = ET.parse(os.path.join(self.out, "junit.xml")).getroot()
        aborted = junit.find("./testsuite/properties/property[@name='aborted']")
        self.assertIn("no hostapd control socket", aborted.get("value"))

    def test_nfc_selftest_skips_on_a_bench_with_a_real_reader(self):
        r = tb("run", "--bench", "lab-example", "--case", "nfc-selftest", "--skip-health-check", "--out", self.out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("nfc-selftest: SKIP — nfc-selftest needs a pn532-sim phone reader; 'phone-acr122' is "
                      "backend usb", r.stderr)

    def test_nfc_selftest_without_its_emulator_is_a_bench_error_naming_the_cause(self):
        r = tb("run", "--case", "nfc-selftest", "--out", self.out,
               env={"TAPBENCH_PN532_SIM_BIN": "/nonexistent/pn532-sim"})
        self.assertEqual(r.returncode, 3)
        self.assertIn("nfc-selftest setup: ERROR — cannot start /nonexistent/pn532-sim", r.stderr)

    def interrupt_a_run(self, signo, expected_exit):
        proc = subprocess.Popen([TAPBENCH, "run", "--case", "nfc-selftest", "--cycles", "10000000", "--out", self.out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        record = os.path.join(self.out, "run.jsonl")
        deadline = time.monotonic() + 30
        cycles = 0
        while cycles < 3 and time.monotonic() < deadline:  # poll the record until cycles are being recorded
            if os.path.exists(record):
                with open(record) as f:
                    cycles = f.read().count('"type":"cycle"')
            time.sleep(0.01)
        self.assertGreaterEqual(cycles, 3)
        proc.send_signal(signo)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, expected_exit, err)
        self.assertIn("the run was interrupted", err)
        with open(record) as f:
            lines = [json.loads(l) for l in f]
        self.assertEqual(lines[-1]["type"], "run_end")
        self.assertTrue(lines[-1]["interrupted"])
        steps = [l for l in lines if l["type"] == "step"]
        self.assertEqual([s["step"] for s in steps], ["setup", "teardown"])
        self.assertEqual(steps[1]["outcome"], "PASS")
        self.assertTrue(os.path.exists(os.path.join(self.out, "junit.xml")))

    def test_ctrl_c_stops_the_run_tears_down_and_keeps_the_record(self):
        self.interrupt_a_run(signal.SIGINT, 130)

    def test_sigterm_stops_the_run_the_same_way_with_exit_143(self):
        self.interrupt_a_run(signal.SIGTERM, 143)

    def test_list_shows_every_catalogued_case(self):
        r = tb("list", "--verbose")
        self.assertEqual(r.returncode, 0)
        for case in ["provisioning", "second-tap", "tap-to-print", "token-pwt", "token-pt", "token-st", "token-svwt",
                     "token-svt", "token-cwt", "ink-low-notice", "printer-deactivated", "load"]:
            self.assertIn(case, r.stdout)
        self.assertIn("phases: field_on target_found ndef_read wifi_scan wifi_associated carrier_up wifi_ip auth_ok job_accepted job_done", r.stdout)


if __name__ == "__main__":
    TAPBENCH = sys.argv.pop(1)
    unittest.main(verbosity=1)
