"""docs/security.md names the test that proves each threat: every name it gives must exist.

A test renamed or removed without updating the table fails here, so the table
never points at nothing.
"""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _test_functions(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    }


def test_every_test_named_in_the_security_doc_exists():
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert len(references) > 60, "the threat table lost its references"
    missing = []
    for file_name, test_name in references:
        path = ROOT / file_name
        if not path.is_file() or test_name not in _test_functions(path):
            missing.append(f"{file_name}::{test_name}")
    assert not missing, missing


def test_every_abuse_case_of_security_md_has_a_row():
    rows = set(re.findall(r"^\| (S\d+|I\d+(?:–I\d+)?|C\d+|F\d+) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    assert {f"S{n}" for n in range(1, 16)} <= rows, sorted({f"S{n}" for n in range(1, 16)} - rows)
    assert {"I1", "I2", "I3", "I4", "I5–I6", "I7", "F1", "F2", "F3", "F4"} <= rows
