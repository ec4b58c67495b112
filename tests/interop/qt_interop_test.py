#!/usr/bin/python3
"""Interop: every tag message tapbench encodes is decoded by an independent decoder (Qt 5 QtNfc) to the
same records, field by field, as `tapbench ndef decode --json` reports them.

Usage: qt_interop_test.py PATH/TO/tapbench
"""
import json
import os
import subprocess
import sys
import unittest

TAPBENCH = None
QT_DECODER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qt_ndef_decode.py")

# One tag message per printer state of the patent (S19/S21/S116), as the firmware would compose them.
COMMON = ["--ssid", "DIRECT-tb-Printer", "--passphrase", "s3cret-wfd-pass", "--go-mac", "02:11:22:33:44:55",
          "--app", "dev.tapbench.printapp", "--charge-url", "https://vendor.example/charge",
          "--exchange-url", "https://vendor.example/exchange"]
STATES = {
    "unregistered": ["--pwt", "BCDFGHJK"],
    "ink-low": ["--registered", "--ink-low", "--pages", "50", "--svwt", "svwt_0123456789abcdef0123456789abcdef"],
    "charge": ["--registered", "--pages", "3", "--threshold", "5",
               "--svwt", "svwt_fedcba9876543210fedcba9876543210"],
    "normal": ["--registered", "--pages", "50", "--pwt", "MNPQRSTV"],
    "normal-with-svwt": ["--registered", "--pages", "50", "--pwt", "MNPQRSTV",
                         "--svwt", "svwt_00112233445566778899aabbccddeeff"],
}


def run(argv, stdin=None):
    out = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(argv), out.returncode, out.stderr))
    return out.stdout


def qt_decode(hex_messages):
    lines = run([QT_DECODER], "\n".join(hex_messages) + "\n").strip().splitlines()
    return [json.loads(line) for line in lines]


class QtAgrees(unittest.TestCase):
    def assert_same_records(self, ours, theirs, where):
        self.assertEqual(len(ours), len(theirs), where + ": record count")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            at = "%s record %d" % (where, i)
            self.assertEqual(a["tnf_code"], b["tnf"], at + ": TNF")
            self.assertEqual(a["type"], b["type"], at + ": type")
            self.assertEqual(a["id"], b["id"], at + ": id")
            self.assertEqual(a["payload_hex"], b["payload"], at + ": payload")
            if "uri" in b:
                self.assertEqual(a["uri"]["uri"], b["uri"], at + ": URI")
            if "nested" in b:
                self.assertEqual(a["handover"]["version"], b["version"], at + ": handover version")
                self.assertNotEqual(b["nested"], "rejected", at + ": Qt rejected the nested message")
                self.assert_same_records(a["handover"]["records"], b["nested"], at + " (nested)")

    def test_every_state_message(self):
        encoded = {name: run([TAPBENCH, "ndef", "encode", "--format", "hex"] + COMMON + args).strip()
                   for name, args in STATES.items()}
        theirs = qt_decode(list(encoded.values()))
        for (name, hex_message), qt in zip(encoded.items(), theirs):
            with self.subTest(state=name):
                self.assertIn("records", qt, "Qt rejected the %s message" % name)
                ours = json.loads(run([TAPBENCH, "ndef", "decode", "--json", hex_message]))
                self.assert_same_records(ours["records"], qt["records"], name)

    def test_truncated_message_is_rejected_by_both(self):
        hex_message = run([TAPBENCH, "ndef", "encode", "--format", "hex"] + COMMON + STATES["normal"]).strip()
        truncated = hex_message[:-6]
        self.assertIn("error", qt_decode([truncated])[0])
        out = subprocess.run([TAPBENCH, "ndef", "decode", truncated], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 65)
        self.assertRegex(out.stderr, r"offset \d+")


if __name__ == "__main__":
    TAPBENCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
