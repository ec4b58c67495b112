#!/usr/bin/python3
"""Interop: NDEF messages written by the real hostapd and wpa_supplicant decode correctly with tapbench.

Starts Debian's hostapd and wpa_supplicant with the `none` driver on the loopback interface (no radio needed,
root needed for the raw socket), asks them for their NFC tokens over the control socket (hostapd_cli /
wpa_cli), and decodes each with `tapbench ndef decode --json`. Field by field: the credential hostapd wrote is
the credential we read. Usage: hostap_tokens_test.py PATH/TO/tapbench
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

TAPBENCH = None
SSID = "tapbench-router"
PASSPHRASE = "correct horse battery"


def wait_for(path, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)  # polling a daemon's socket, bounded by the deadline
    return False


def decode(hex_message):
    out = subprocess.run([TAPBENCH, "ndef", "decode", "--json", hex_message], capture_output=True, text=True,
                         timeout=30)
    if out.returncode != 0:
        raise AssertionError("tapbench ndef decode failed (%d): %s" % (out.returncode, out.stderr))
    return json.loads(out.stdout)


class Daemon:
    def __init__(self, argv, socket_path, log_path):
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_for(socket_path):
            self.stop()
            raise RuntimeError("%s did not open its control socket; log: %s" % (argv[0], open(log_path).read()))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class HostapTokens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("hostapd/wpa_supplicant with driver=none need root (raw socket on lo)")
        for tool in ("hostapd", "hostapd_cli", "wpa_supplicant", "wpa_cli"):
            if not shutil.which(tool):
                raise AssertionError("%s missing: run scripts/install-deps" % tool)
        cls.dir = tempfile.mkdtemp(prefix="tapbench-hostap-")
        conf = os.path.join(cls.dir, "hostapd.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "interface=lo", "driver=none", "ctrl_interface=%s/hapd" % cls.dir, "ssid=" + SSID,
                "hw_mode=g", "channel=6", "wpa=2", "wpa_passphrase=" + PASSPHRASE, "wpa_key_mgmt=WPA-PSK",
                "rsn_pairwise=CCMP", "wps_state=2", "eap_server=1",
                "uuid=12345678-9abc-def0-1234-56789abcdef0", "device_name=tapbench AP", ""]))
        cls.hostapd = Daemon(["hostapd", conf], "%s/hapd/lo" % cls.dir, os.path.join(cls.dir, "hostapd.log"))
        wconf = os.path.join(cls.dir, "wpas.conf")
        with open(wconf, "w") as f:
            f.write("ctrl_interface=%s/wpas\nupdate_config=0\n" % cls.dir)
        try:
            cls.wpas = Daemon(["wpa_supplicant", "-Dnone", "-i", "lo", "-c", wconf], "%s/wpas/lo" % cls.dir,
                              os.path.join(cls.dir, "wpas.log"))
        except Exception:
            cls.hostapd.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.wpas.stop()
        cls.hostapd.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def cli(self, tool, sock_dir, *args):
        out = subprocess.run([tool, "-p", sock_dir, "-i", "lo"] + list(args), capture_output=True, text=True,
                             timeout=10)
        reply = out.stdout.strip()
        self.assertRegex(reply, r"^[0-9A-Fa-f]+$", "%s %s answered %r" % (tool, " ".join(args), reply))
        return reply

    def hostapd_cli(self, *args):
        return self.cli("hostapd_cli", "%s/hapd" % self.dir, *args)

    def wpa_cli(self, *args):
        return self.cli("wpa_cli", "%s/wpas" % self.dir, *args)

    def only_wsc(self, decoded):
        records = decoded["records"]
        self.assertEqual(len(records), 1)
        self.assertEqual(records[0]["type"], "application/vnd.wfa.wsc")
        self.assertEqual(records[0]["tnf"], "media")
        return records[0]["wsc"]

    def test_configuration_token_carries_the_ap_credential(self):
        wsc = self.only_wsc(decode(self.hostapd_cli("wps_nfc_config_token", "NDEF")))
        self.assertEqual(len(wsc["credentials"]), 1)
        cred = wsc["credentials"][0]
        self.assertEqual(cred["ssid"], SSID)
        self.assertEqual(cred["network_key"], PASSPHRASE)
        self.assertEqual(cred["auth_type"], "WPA2-Personal")
        self.assertEqual(cred["encryption_type"], "AES")
        self.assertEqual(wsc["version2"], "2.0")

    def test_hostapd_handover_select_carrier(self):
        wsc = self.only_wsc(decode(self.hostapd_cli("nfc_get_handover_sel", "NDEF", "WPS-CR")))
        self.assertEqual(wsc["ssid"], SSID)
        self.assertEqual(len(wsc["oob_device_password"]["public_key_hash"]), 40)  # 20 bytes, hex

    def test_hostapd_password_token(self):
        wsc = self.only_wsc(decode(self.hostapd_cli("wps_nfc_token", "NDEF")))
        self.assertEqual(len(wsc["oob_device_password"]["public_key_hash"]), 40)
        self.assertGreaterEqual(len(wsc["oob_device_password"]["password"]), 32)

    def test_wpa_supplicant_handover_request_carrier(self):
        wsc = self.only_wsc(decode(self.wpa_cli("nfc_get_handover_req", "NDEF", "WPS-CR")))
        self.assertIn("uuid_e", wsc)

    def test_wpa_supplicant_password_token(self):
        wsc = self.only_wsc(decode(self.wpa_cli("wps_nfc_token", "NDEF")))
        self.assertEqual(len(wsc["oob_device_password"]["public_key_hash"]), 40)

    def test_wpa_supplicant_reads_our_unregistered_tap_message(self):
        # The other direction: the credential tapbench encodes is taken by the real WSC NFC reader code.
        ssid, passphrase = "DIRECT-tb-interop", "wfd-pass-1234"
        encoded = subprocess.run([TAPBENCH, "ndef", "encode", "--ssid", ssid, "--passphrase", passphrase,
                                  "--go-mac", "02:11:22:33:44:55", "--channel", "6", "--pwt", "BCDFGHJK",
                                  "--app", "dev.tapbench.manager", "--format", "hex"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(encoded.returncode, 0, encoded.stderr)
        out = subprocess.run(["wpa_cli", "-p", "%s/wpas" % self.dir, "-i", "lo", "wps_nfc_tag_read",
                              encoded.stdout.strip()], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "OK")
        networks = subprocess.run(["wpa_cli", "-p", "%s/wpas" % self.dir, "-i", "lo", "list_networks"],
                                  capture_output=True, text=True, timeout=10).stdout
        self.assertIn(ssid, networks)
        psk = subprocess.run(["wpa_cli", "-p", "%s/wpas" % self.dir, "-i", "lo", "get_network", "0", "ssid"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        self.assertEqual(psk, '"%s"' % ssid)


if __name__ == "__main__":
    TAPBENCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
