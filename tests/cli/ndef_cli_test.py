#!/usr/bin/python3
"""`tapbench ndef decode|encode` as a user meets it: what it prints, what it refuses, and its exit codes.

Usage: ndef_cli_test.py PATH/TO/tapbench
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

TAPBENCH = None
READY = ["--registered", "--pages", "40", "--threshold", "5", "--pwt", "MNPQRSTV", "--ssid", "DIRECT-tb-P",
         "--passphrase", "wfd-pass-1234", "--go-mac", "02:11:22:33:44:55", "--app", "dev.tapbench.manager"]


def tb(*args, stdin=None, binary=False):
    return subprocess.run([TAPBENCH] + list(args), input=stdin, capture_output=True, text=not binary, timeout=30)


class Decode(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_hex_argument_file_and_stdin_decode_the_same(self):
        hex_message = tb("ndef", "encode", *READY).stdout.strip()
        binary = self.path("m.ndef")
        self.assertEqual(tb("ndef", "encode", *READY, "-o", binary).returncode, 0)
        with open(binary, "rb") as f:
            raw = f.read()
        self.assertEqual(raw.hex(), hex_message)
        outputs = [tb("ndef", "decode", "--json", hex_message).stdout,
                   tb("ndef", "decode", "--json", binary).stdout,
                   tb("ndef", "decode", "--json", "-", stdin=hex_message + "\n").stdout]
        for out in outputs:
            tap = json.loads(out)["tap_message"]
            self.assertEqual(tap["state"], "ready")
            self.assertEqual(tap["pwt"], "MNPQRSTV")
            self.assertEqual(tap["wfd"]["ssid"], "DIRECT-tb-P")

    def test_text_output_names_the_state_and_credential(self):
        out = tb("ndef", "decode", tb("ndef", "encode", *READY).stdout.strip())
        self.assertEqual(out.returncode, 0)
        self.assertIn("Tap message (printer state ready)", out.stdout)
        self.assertIn("Wi-Fi Direct SSID: DIRECT-tb-P", out.stdout)

    def test_truncated_message_names_offset_and_reason_exit_65(self):
        hex_message = tb("ndef", "encode", *READY).stdout.strip()
        out = tb("ndef", "decode", hex_message[:40])
        self.assertEqual(out.returncode, 65)
        self.assertRegex(out.stderr, r"malformed NDEF at offset \d+: .+ \[[a-z_]+\]")

    def test_trailing_bytes_after_the_last_record_are_refused(self):
        out = tb("ndef", "decode", "d101015500" + "ff")  # URI record (ME set), then one more byte
        self.assertEqual(out.returncode, 65)
        self.assertIn("offset 5", out.stderr)

    def test_garbage_never_crashes(self):
        for data in [b"", b"\x00", b"\xd1", b"\xff" * 64, bytes(range(256))]:
            f = self.path("g.bin")
            with open(f, "wb") as fh:
                fh.write(data)
            out = tb("ndef", "decode", "--binary", f)
            self.assertIn(out.returncode, (0, 65), "input %r" % data[:8])
            self.assertNotIn("terminate", out.stderr)

    def test_bad_hex_names_the_character(self):
        out = tb("ndef", "decode", "--hex", "-", stdin="d1 01 zz")
        self.assertEqual(out.returncode, 65)
        self.assertIn("not hex at character 6 ('z')", out.stderr)

    def test_missing_file_exit_66(self):
        out = tb("ndef", "decode", "/nonexistent/tag.ndef")
        self.assertEqual(out.returncode, 66)
        self.assertIn("no such file", out.stderr)

    def test_usage_error_exit_64(self):
        self.assertEqual(tb("ndef", "decode", "--no-such-flag").returncode, 64)
        self.assertEqual(tb("ndef").returncode, 64)


class Encode(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        p = os.path.join(self.tmp.name, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_state_follows_the_inputs(self):
        cases = {
            "unregistered": ["--pwt", "BCDFGHJK"],
            "ink-low": ["--registered", "--ink-low", "--svwt", "svwt_abc123"],
            "charge-needed": ["--registered", "--pages", "5", "--threshold", "5", "--svwt", "svwt_abc123"],
            "ready": ["--registered", "--pages", "6", "--threshold", "5", "--pwt", "BCDFGHJK"],
        }
        base = ["--ssid", "DIRECT-x", "--passphrase", "12345678", "--app", "dev.tapbench.manager",
                "--charge-url", "https://v.example/c", "--exchange-url", "https://v.example/e"]
        for state, args in cases.items():
            with self.subTest(state=state):
                out = tb("ndef", "encode", *base, *args)
                self.assertEqual(out.returncode, 0, out.stderr)
                decoded = json.loads(tb("ndef", "decode", "--json", out.stdout.strip()).stdout)
                self.assertEqual(decoded["tap_message"]["state"], state)

    def test_yaml_file_with_flag_override(self):
        y = self.write("tap.yaml", "registered: true\nprintable_pages: 40\npwt: BCDFGHJK\n"
                                   "app_package: dev.tapbench.manager\n"
                                   "wfd:\n  ssid: DIRECT-yaml\n  passphrase: yaml-pass-1\n")
        out = tb("ndef", "encode", "--from", y, "--pwt", "MNPQRSTV")
        self.assertEqual(out.returncode, 0, out.stderr)
        tap = json.loads(tb("ndef", "decode", "--json", out.stdout.strip()).stdout)["tap_message"]
        self.assertEqual(tap["wfd"]["ssid"], "DIRECT-yaml")
        self.assertEqual(tap["pwt"], "MNPQRSTV")

    def test_yaml_unknown_key_names_file_line_column(self):
        y = self.write("bad.yaml", "registered: true\nwfd:\n  sid: DIRECT-typo\n")
        out = tb("ndef", "encode", "--from", y)
        self.assertEqual(out.returncode, 65)
        self.assertIn("bad.yaml:3:3: unknown key 'wfd.sid'", out.stderr)

    def test_yaml_wrong_type_names_file_line_column(self):
        y = self.write("bad.yaml", "registered: true\nprintable_pages: lots\n")
        out = tb("ndef", "encode", "--from", y)
        self.assertEqual(out.returncode, 65)
        self.assertIn("bad.yaml:2:18: 'printable_pages' must be a page count", out.stderr)

    def test_missing_token_is_a_clear_error(self):
        out = tb("ndef", "encode", "--ssid", "DIRECT-x", "--passphrase", "12345678", "--app", "dev.x.y")
        self.assertEqual(out.returncode, 65)
        self.assertIn("cannot build the unregistered message", out.stderr)
        self.assertIn("PWT", out.stderr)


if __name__ == "__main__":
    TAPBENCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
