#!/usr/bin/env python3
"""Fails when an addon Python file is over 600 lines or a function or method over
80 lines (from its ``def`` to its last line), in both addons: models, wizards,
controllers and tests alike. Run by setup/test.sh's lint step; prints one
``file:line: ...`` per offence."""

import argparse
import ast
import pathlib
import sys

ADDONS = ("partner_revshare", "partner_revshare_payment")
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def offences(path, root):
    """The size offences of one Python file, as printable strings."""
    source = path.read_text(encoding="utf-8")
    name = path.relative_to(root)
    lines = len(source.splitlines())
    if lines > MAX_FILE_LINES:
        yield f"{name}:1: file is {lines} lines (max {MAX_FILE_LINES})"
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield (
                    f"{name}:{node.lineno}: {node.name} is {length} lines "
                    f"(max {MAX_FUNCTION_LINES})"
                )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "root",
        nargs="?",
        type=pathlib.Path,
        default=pathlib.Path(__file__).resolve().parent.parent,
        help="the repository (default: this script's)",
    )
    root = parser.parse_args().root.resolve()
    found = [
        offence
        for addon in ADDONS
        for path in sorted((root / addon).rglob("*.py"))
        for offence in offences(path, root)
    ]
    print("\n".join(found) if found else "size: ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
