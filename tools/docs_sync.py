#!/usr/bin/env python3
"""Fill the code blocks of the docs from the examples, so every example shown compiles.

    python3 tools/docs_sync.py           rewrite docs/*.md and README.md where stale
    python3 tools/docs_sync.py --check   exit 1, naming each stale file, if any is stale

In docs/*.md and README.md, a block

    <!-- example: quickstart_jsonl.cpp#use -->
    (anything; replaced)
    <!-- /example -->

gets, between its two marker lines, a ```cpp fenced block with the lines of
region `use` of examples/quickstart_jsonl.cpp. A region is marked in the
example by comment lines of their own:

    // [docs:use]
    ...
    // [docs:end]

Marker lines are never copied (regions may nest; an inner region's marker
lines are left out of the outer one too), the region's common indentation is
removed, and blank lines at its start and end are dropped.

A ```cpp block outside an example block is an error: code in the docs comes
from examples/ only. Mistakes (a missing file or region, an unterminated
block or region, a region named twice) exit with status 2. Standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"

BLOCK_START = re.compile(r"^\s*<!--\s*example:\s*(?P<file>[^#\s]+)#(?P<region>[A-Za-z0-9_.-]+)\s*-->\s*$")
BLOCK_END = re.compile(r"^\s*<!--\s*/example\s*-->\s*$")
REGION_MARK = re.compile(r"^\s*//\s*\[docs:(?P<name>[A-Za-z0-9_.-]+)\]\s*$")
CPP_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(cpp|c\+\+|cxx|hpp)\b", re.IGNORECASE)
ANY_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


class SyncError(Exception):
    pass


def doc_files() -> list[Path]:
    files = sorted((ROOT / "docs").glob("*.md"))
    readme = ROOT / "README.md"
    if readme.exists():
        files.append(readme)
    return files


def read_regions(example: Path) -> dict[str, list[str]]:
    """Every region of one example: name -> its lines (marker lines left out)."""
    regions: dict[str, list[str]] = {}
    open_regions: list[tuple[str, int]] = []
    for number, line in enumerate(example.read_text(encoding="utf-8").splitlines(), start=1):
        mark = REGION_MARK.match(line)
        if mark:
            name = mark.group("name")
            if name == "end":
                if not open_regions:
                    raise SyncError(f"{example.name}:{number}: `// [docs:end]` without an open region")
                open_regions.pop()
            else:
                if name in regions:
                    raise SyncError(f"{example.name}:{number}: region `{name}` is marked twice")
                regions[name] = []
                open_regions.append((name, number))
            continue
        for name, _ in open_regions:
            regions[name].append(line.rstrip())
    if open_regions:
        name, number = open_regions[-1]
        raise SyncError(f"{example.name}:{number}: region `{name}` has no `// [docs:end]`")
    return regions


def tidy(lines: list[str]) -> list[str]:
    """Drops blank lines at both ends and the indentation every line shares."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    indents = [len(l) - len(l.lstrip()) for l in lines if l.strip()]
    cut = min(indents, default=0)
    return [l[cut:] if l.strip() else "" for l in lines]


def fenced(lines: list[str]) -> list[str]:
    fence = "```"
    while any(l.lstrip().startswith(fence) for l in lines):
        fence += "`"
    return [fence + "cpp", *lines, fence]


class Examples:
    """Reads each example once."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, list[str]]] = {}

    def region(self, file_name: str, region: str, where: str) -> list[str]:
        path = (EXAMPLES_DIR / file_name).resolve()
        if EXAMPLES_DIR.resolve() not in path.parents:
            raise SyncError(f"{where}: `{file_name}` is not a file in examples/")
        if file_name not in self._cache:
            if not path.is_file():
                raise SyncError(f"{where}: examples/{file_name} does not exist")
            self._cache[file_name] = read_regions(path)
        regions = self._cache[file_name]
        if region not in regions:
            known = ", ".join(sorted(regions)) or "none"
            raise SyncError(f"{where}: examples/{file_name} has no region `{region}` (it has: {known})")
        lines = tidy(regions[region])
        if not lines:
            raise SyncError(f"{where}: region `{region}` of examples/{file_name} is empty")
        return lines


def synced_text(doc: Path, examples: Examples) -> str:
    """The text `doc` should have: every example block refilled."""
    text = doc.read_text(encoding="utf-8")
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    in_fence = ""  # the fence of the code block being passed over, if any
    while i < len(lines):
        line = lines[i]
        where = f"{doc.relative_to(ROOT)}:{i + 1}"
        fence = ANY_FENCE.match(line)
        if in_fence:
            out.append(line)
            if fence and fence.group(1)[0] == in_fence[0] and len(fence.group(1)) >= len(in_fence) \
                    and not line.strip()[len(fence.group(1)):].strip():
                in_fence = ""
            i += 1
            continue
        start = BLOCK_START.match(line)
        if start:
            end = i + 1
            while end < len(lines) and not BLOCK_END.match(lines[end]):
                if BLOCK_START.match(lines[end]):
                    raise SyncError(f"{where}: example block has no `<!-- /example -->` before the next one")
                end += 1
            if end == len(lines):
                raise SyncError(f"{where}: example block has no `<!-- /example -->`")
            out.append(line)
            out.extend(fenced(examples.region(start.group("file"), start.group("region"), where)))
            out.append(lines[end])
            i = end + 1
            continue
        if BLOCK_END.match(line):
            raise SyncError(f"{where}: `<!-- /example -->` without a block start")
        if CPP_FENCE.match(line):
            raise SyncError(f"{where}: a C++ code block outside `<!-- example: FILE#NAME -->`; "
                            "put the code in examples/ and refer to it")
        if fence:
            in_fence = fence.group(1)
        out.append(line)
        i += 1
    new_text = "\n".join(out)
    if text.endswith("\n"):
        new_text += "\n"
    return new_text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is stale")
    args = parser.parse_args()

    examples = Examples()
    stale: list[Path] = []
    try:
        for doc in doc_files():
            wanted = synced_text(doc, examples)
            if wanted == doc.read_text(encoding="utf-8"):
                continue
            stale.append(doc)
            if not args.check:
                doc.write_text(wanted, encoding="utf-8")
                print(f"docs_sync: updated {doc.relative_to(ROOT)}")
    except SyncError as error:
        print(f"docs_sync: {error}", file=sys.stderr)
        return 2

    if args.check and stale:
        for doc in stale:
            print(f"docs_sync: {doc.relative_to(ROOT)} is stale: its example blocks differ from examples/",
                  file=sys.stderr)
        print("docs_sync: run `python3 tools/docs_sync.py` to update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
