"""The protocol itself: `version`, usage errors, and how values become JSON lines."""

from __future__ import annotations

import io
import json
import unittest
from pathlib import Path

from reticle_runtime import protocol
from tests.runtime_process import environment, run_to_end


class CommandLineTest(unittest.TestCase):
    def test_version_is_one_json_line_with_the_protocol_version(self):
        rc, messages, stderr = run_to_end(["version"], environment())
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(len(messages), 1)
        self.assertEqual((messages[0]["v"], messages[0]["type"], messages[0]["protocol"]), (1, "version", 1))

    def test_unknown_command_is_an_error_message_not_a_traceback(self):
        rc, messages, stderr = run_to_end(["fly"], environment())
        self.assertEqual(rc, 2)
        self.assertEqual([m["type"] for m in messages], ["error"])
        self.assertEqual(messages[0]["code"], "usage")
        self.assertIn("unknown command", messages[0]["message"])
        self.assertNotIn("Traceback", stderr)

    def test_a_bad_command_line_is_a_usage_error_line(self):
        rc, messages, _ = run_to_end(["train"], environment())
        self.assertEqual(rc, 2)
        self.assertEqual(messages[0]["code"], "usage")
        self.assertIn("--spec", messages[0]["message"])


class MessageTest(unittest.TestCase):
    def test_values_that_json_cannot_carry_become_null_or_plain(self):
        class Scalar:
            def item(self) -> float:
                return 0.5

        class Array:
            def tolist(self) -> list:
                return [1.0, float("nan")]

        self.assertEqual(protocol.clean({"a": float("inf"), "b": Scalar(), "c": Array(), "d": (1, 2), "e": Path("/x")}), {"a": None, "b": 0.5, "c": [1.0, None], "d": [1, 2], "e": "/x"})

    def test_a_channel_writes_whole_lines_of_compact_json(self):
        out = io.StringIO()
        protocol.Channel(out).send(protocol.error(code="internal", message="caf\u00e9", hint=None))
        line = out.getvalue()
        self.assertTrue(line.endswith("\n") and line.count("\n") == 1)
        self.assertEqual(json.loads(line), {"v": 1, "type": "error", "code": "internal", "message": "caf\u00e9", "hint": None})



if __name__ == "__main__":
    unittest.main()
