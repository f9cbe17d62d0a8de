#!/usr/bin/env python3
"""Generate single_include/inkwell.hpp from include/inkwell/inkwell.hpp.

    python3 tools/amalgamate.py            write single_include/inkwell.hpp
    python3 tools/amalgamate.py --check    exit 1 if the file on disk is stale

Every quoted include of inkwell's own headers (`#include "level.hpp"`,
`#include "../record.hpp"`, resolved relative to the including file) is
inlined once, in the order the preprocessor would first reach it, with its
`#pragma once` removed. System and library includes (`#include <...>`) stay
as they are; a repeat of one already seen outside any `#if` is dropped.
The output depends only on the headers, so regenerating it is reproducible.
Standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE_DIR = ROOT / "include"
ENTRY = INCLUDE_DIR / "inkwell" / "inkwell.hpp"
OUTPUT = ROOT / "single_include" / "inkwell.hpp"

QUOTED_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
ANGLE_INCLUDE = re.compile(r"^\s*#\s*include\s*<([^>]+)>")
PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once\b")
OPENS_CONDITIONAL = re.compile(r"^\s*#\s*if(n?def)?\b")
CLOSES_CONDITIONAL = re.compile(r"^\s*#\s*endif\b")
VERSION = re.compile(r'#\s*define\s+INKWELL_VERSION_STRING\s+"([^"]+)"')


class AmalgamationError(Exception):
    pass


class Amalgamator:
    def __init__(self, include_dir: Path) -> None:
        self.include_dir = include_dir.resolve()
        self.inlined: set[Path] = set()
        self.seen_system_includes: set[str] = set()
        self.out: list[str] = []
        self.warnings: list[str] = []

    def display(self, path: Path) -> str:
        return path.relative_to(self.include_dir).as_posix()

    def resolve(self, name: str, including_file: Path) -> Path:
        # Relative to the including file first (the style inkwell uses), then
        # relative to include/ (`#include "inkwell/level.hpp"`).
        for candidate in (including_file.parent / name, self.include_dir / name):
            candidate = candidate.resolve()
            if candidate.is_file():
                if self.include_dir not in candidate.parents:
                    raise AmalgamationError(
                        f"{self.display(including_file)}: #include \"{name}\" resolves to "
                        f"{candidate}, outside {self.include_dir}")
                return candidate
        raise AmalgamationError(
            f"{self.display(including_file)}: #include \"{name}\" not found "
            f"(looked next to the file and in {self.include_dir})")

    def inline(self, path: Path, outer_depth: int, stack: tuple[Path, ...] = ()) -> None:
        if path in self.inlined:
            return
        self.inlined.add(path)
        name = self.display(path)
        self.out.append(f"// ---- begin {name} ----\n")
        depth = 0  # #if nesting inside this file
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(keepends=True), start=1):
            if not line.endswith("\n"):
                line += "\n"
            if PRAGMA_ONCE.match(line):
                continue
            if OPENS_CONDITIONAL.match(line):
                depth += 1
            elif CLOSES_CONDITIONAL.match(line):
                depth -= 1
            quoted = QUOTED_INCLUDE.match(line)
            if quoted:
                target = self.resolve(quoted.group(1), path)
                if target in stack:
                    chain = " -> ".join(self.display(p) for p in stack + (path, target))
                    raise AmalgamationError(f"include cycle: {chain}")
                if outer_depth + depth > 0 and target not in self.inlined:
                    self.warnings.append(
                        f"{name}:{number}: \"{quoted.group(1)}\" is included inside #if; it is "
                        f"inlined there once and never again")
                self.inline(target, outer_depth + depth, stack + (path,))
                continue
            angle = ANGLE_INCLUDE.match(line)
            if angle and outer_depth + depth == 0:
                header = angle.group(1).strip()
                if header in self.seen_system_includes:
                    continue
                self.seen_system_includes.add(header)
            self.out.append(line)
        self.out.append(f"// ---- end {name} ----\n")


def version_of(include_dir: Path) -> str:
    version_header = include_dir / "inkwell" / "version.hpp"
    if version_header.is_file():
        match = VERSION.search(version_header.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    return "unknown"


def amalgamate(include_dir: Path, entry: Path) -> str:
    if not entry.is_file():
        raise AmalgamationError(f"the umbrella header {entry} does not exist")
    amalgamator = Amalgamator(include_dir)
    amalgamator.inline(entry.resolve(), 0)
    for warning in amalgamator.warnings:
        print(f"amalgamate.py: warning: {warning}", file=sys.stderr)
    banner = (
        f"// inkwell {version_of(include_dir)} -- single-header edition.\n"
        "//\n"
        "// GENERATED FILE, DO NOT EDIT: tools/amalgamate.py writes it from\n"
        "// include/inkwell/inkwell.hpp and the headers that includes. To regenerate:\n"
        "//     python3 tools/amalgamate.py\n"
        "// (`python3 tools/amalgamate.py --check` tells whether this file is stale.)\n"
        "//\n"
        "// Use: copy this file into your project, #include \"inkwell.hpp\", compile\n"
        "// with -std=c++20 and link {fmt} (-lfmt) and threads (-pthread).\n"
        "#pragma once\n"
        "\n"
    )
    return banner + "".join(amalgamator.out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the output file differs from what would be written")
    parser.add_argument("--output", type=Path, default=OUTPUT,
                        help=f"where to write (default: {OUTPUT.relative_to(ROOT)})")
    parser.add_argument("--include-dir", type=Path, default=INCLUDE_DIR,
                        help=f"the include/ folder (default: {INCLUDE_DIR.relative_to(ROOT)})")
    args = parser.parse_args(argv)

    include_dir = args.include_dir.resolve()
    try:
        generated = amalgamate(include_dir, include_dir / "inkwell" / "inkwell.hpp")
    except (AmalgamationError, OSError, UnicodeDecodeError) as error:
        print(f"amalgamate.py: error: {error}", file=sys.stderr)
        return 2

    output: Path = args.output
    if args.check:
        if not output.is_file():
            print(f"amalgamate.py: {output} does not exist; run `python3 tools/amalgamate.py` "
                  "and commit the result.", file=sys.stderr)
            return 1
        current = output.read_text(encoding="utf-8")
        if current != generated:
            diff = list(difflib.unified_diff(
                current.splitlines(keepends=True), generated.splitlines(keepends=True),
                fromfile=f"{output} (on disk)", tofile=f"{output} (from include/)", n=1))
            print(f"amalgamate.py: {output} is STALE: it differs from what include/ generates "
                  f"({len(diff)} diff lines). Run `python3 tools/amalgamate.py` and commit the "
                  "result. First differences:", file=sys.stderr)
            sys.stderr.writelines(diff[:40])
            return 1
        print(f"amalgamate.py: {output} is up to date.")
        return 0

    output.parent.mkdir(parents=True, exist_ok=True)
    if output.is_file() and output.read_text(encoding="utf-8") == generated:
        print(f"amalgamate.py: {output} already up to date.")
        return 0
    output.write_text(generated, encoding="utf-8", newline="\n")
    print(f"amalgamate.py: wrote {output} ({generated.count(chr(10))} lines).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
