#!/usr/bin/python3
"""`tapbench run --bench hwsim` on the host when the radio lab cannot run: what the user reads and the exit
status (rig/radio_lab/radio_lab_run.hpp). Boots no VM: the lab's script is replaced by a stand-in where a
failure must come from it. The successful path is integration_hwsim_smoke.

Usage: hwsim_host_errors_test.py PATH/TO/tapbench
"""
import os
import subprocess
import sys
import tempfile
import unittest

TAPBENCH = None


def tb(*args, env=None):
    return subprocess.run([TAPBENCH] + list(args), capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, NO_COLOR="1", **(env or {})))


class HostRun(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "run")
        for v in ("RADIO_ROUTER_CTRL", "TAPBENCH_RADIO_LAB", "TAPBENCH_RADIO_LAB_SCRIPT"):
            os.environ.pop(v, None)

    def tearDown(self):
        self.tmp.cleanup()

    def fake_lab(self, body):
        lab = os.path.join(self.tmp.name, "lab")
        os.makedirs(os.path.join(lab, "checks"))
        script = os.path.join(lab, "radio-lab")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(script, 0o755)
        open(os.path.join(lab, "checks", "tapbench-in-lab.sh"), "w").close()
        # qemu is looked for first: a stand-in, so that this runs where qemu is not installed too
        bin_dir = os.path.join(self.tmp.name, "bin")
        os.makedirs(bin_dir)
        qemu = os.path.join(bin_dir, "qemu-system-x86_64")
        with open(qemu, "w") as f:
            f.write("#!/bin/sh\nexit 1\n")
        os.chmod(qemu, 0o755)
        self.path = bin_dir + ":" + os.environ.get("PATH", "/usr/bin:/bin")
        return script

    def test_without_qemu_it_says_what_to_install(self):
        r = tb("run", "--bench", "hwsim", "--suite", "smoke", "--out", self.out, env={"PATH": "/nonexistent"})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("qemu-system-x86_64 is not installed here: apt-get install qemu-system-x86", r.stderr)
        self.assertIn("tapbench doctor", r.stderr)

    def test_an_image_that_cannot_be_built_gives_the_builds_own_words(self):
        script = self.fake_lab('echo "radio-lab: error: apt-get download linux-image-6.1.0-56-amd64 failed" >&2\n'
                               'exit 2\n')
        r = tb("run", "--bench", "hwsim", "--suite", "smoke", "--out", self.out,
               env={"TAPBENCH_RADIO_LAB_SCRIPT": script, "TAPBENCH_RADIO_LAB_CACHE": self.tmp.name + "/cache",
                    "PATH": self.path})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(f"({script} from $TAPBENCH_RADIO_LAB_SCRIPT, image cache {self.tmp.name}/cache from "
                      "$TAPBENCH_RADIO_LAB_CACHE)", r.stderr)
        self.assertIn("the radio-lab image cannot be built here (exited 2)", r.stderr)
        self.assertIn("apt-get download linux-image-6.1.0-56-amd64 failed", r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.out, "radio-lab", "image-build.log")))

    def test_a_vm_that_stops_without_running_the_suite_is_an_infrastructure_error(self):
        # build succeeds, run fails the way radio-lab reports a VM past its deadline
        script = self.fake_lab('[ "$1" = build ] && { echo "$3/image-x"; exit 0; }\n'
                               'echo "radio-lab: the VM did not finish within 240 s; console tail:"\n'
                               'exit 124\n')
        r = tb("run", "--bench", "hwsim", "--case", "provisioning", "--out", self.out,
               env={"TAPBENCH_RADIO_LAB_SCRIPT": script, "TAPBENCH_RADIO_LAB_CACHE": self.tmp.name + "/cache",
                    "PATH": self.path})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("[lab] radio-lab: the VM did not finish within 240 s", r.stderr)
        self.assertIn("the radio lab stopped (exited 124) and no run folder came back", r.stderr)

    def test_a_passphrase_env_goes_in_through_a_private_file_that_does_not_stay(self):
        bench = os.path.join(self.tmp.name, "hwsim-env.yaml")
        shown = tb("bench", "show", "hwsim").stdout
        with open(bench, "w") as f:
            f.write(shown.replace("passphrase: hwsim-only-passphrase", "passphrase-env: TB_LAB_PSK"))
        # the stand-in lab's run keeps what it was handed (mode and content), then fails like a dead VM
        script = self.fake_lab('[ "$1" = build ] && exit 0\n'
                               'while [ "$1" != --share ]; do shift; done\n'
                               'stat -c %a "$2/lab-env" >"$2/seen-mode"; cp "$2/lab-env" "$2/seen-env"\n'
                               'exit 3\n')
        r = tb("run", "--bench", bench, "--case", "provisioning", "--out", self.out,
               env={"TAPBENCH_RADIO_LAB_SCRIPT": script, "TAPBENCH_RADIO_LAB_CACHE": self.tmp.name + "/cache",
                    "PATH": self.path, "TB_LAB_PSK": "it's a lab psk"})
        self.assertEqual(r.returncode, 3, r.stderr)
        share = os.path.join(self.out, "radio-lab")
        with open(os.path.join(share, "seen-mode")) as f:
            self.assertEqual(f.read().strip(), "600")
        with open(os.path.join(share, "seen-env")) as f:
            self.assertEqual(f.read(), "export TB_LAB_PSK='it'\\''s a lab psk'\n")
        self.assertFalse(os.path.exists(os.path.join(share, "lab-env")))
        self.assertNotIn("lab psk", r.stderr)

    def test_metrics_cannot_come_out_of_the_lab(self):
        r = tb("run", "--bench", "hwsim", "--metrics", "127.0.0.1:0", "--out", self.out)
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("runs inside its radio lab VM", r.stderr)
        self.assertFalse(os.path.exists(self.out))

    def test_radio_lab_off_runs_in_place_and_names_the_missing_lab(self):
        r = tb("run", "--bench", "hwsim", "--case", "token-st", "--out", self.out, env={"TAPBENCH_RADIO_LAB": "off"})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("token-st: ERROR", r.stderr)
        self.assertIn("RADIO_ROUTER_CTRL is not set", r.stderr)
        self.assertNotIn("booting", r.stderr)


if __name__ == "__main__":
    TAPBENCH = sys.argv.pop(1)
    unittest.main(verbosity=2)
