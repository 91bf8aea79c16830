import json
import subprocess
import sys
import unittest
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reticle_runtime", *args], cwd=RUNTIME, capture_output=True, text=True, timeout=60)


class ProtocolTest(unittest.TestCase):
    def test_version_is_one_json_line_with_the_protocol_version(self):
        result = run("version")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.strip().splitlines()
        self.assertEqual(len(lines), 1)
        message = json.loads(lines[0])
        self.assertEqual(message["v"], 1)
        self.assertEqual(message["type"], "version")

    def test_unknown_command_is_an_error_message_not_a_traceback(self):
        result = run("fly")
        self.assertEqual(result.returncode, 2)
        message = json.loads(result.stdout.strip())
        self.assertEqual(message["type"], "error")
        self.assertIn("unknown command", message["message"])


if __name__ == "__main__":
    unittest.main()
