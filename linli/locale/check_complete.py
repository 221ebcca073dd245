#!/usr/bin/env python3
"""Fail if any translation catalogue under linli/locale has an untranslated or fuzzy entry.

Usage: python linli/locale/check_complete.py [LOCALE_DIR]

Every ``*.po`` file below LOCALE_DIR (default: the folder holding this script) is checked with
GNU ``msgfmt --statistics -c``, which also catches broken placeholders and a bad header.
Without msgfmt, polib is used when it can be imported. Exit codes: 0 all complete,
1 something untranslated, fuzzy or invalid, 2 nothing to check or no tool to check with.
Standalone: no Django needed, so the test suite can run it as a subprocess or call ``main()``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_COUNT = re.compile(r"(\d+) (translated|fuzzy|untranslated) (?:message|translation)")


def _c_locale_env() -> dict[str, str]:
    """msgfmt translates its own output: force English so the counts can be parsed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k not in ("LANG", "LANGUAGE")}
    env["LC_ALL"] = "C"
    return env


def stats_msgfmt(po: Path, msgfmt: str) -> tuple[dict[str, int], list[str]]:
    """Counts of translated/fuzzy/untranslated entries and any errors msgfmt -c reports."""
    proc = subprocess.run(
        [msgfmt, "--statistics", "-c", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        env=_c_locale_env(),
        check=False,
    )
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    errors = []
    for line in proc.stderr.splitlines():
        found = _COUNT.findall(line)
        if found:
            for number, kind in found:
                counts[kind] = int(number)
        elif line.strip():
            errors.append(line.strip())
    if proc.returncode != 0 and not errors:
        errors.append(f"msgfmt exited with status {proc.returncode}")
    return counts, errors if proc.returncode != 0 else []


def stats_polib(po: Path) -> tuple[dict[str, int], list[str]]:
    import polib

    catalogue = polib.pofile(str(po))
    entries = [e for e in catalogue if not e.obsolete]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    untranslated = [e for e in entries if not e.translated() and "fuzzy" not in e.flags]
    counts = {
        "translated": len(entries) - len(fuzzy) - len(untranslated),
        "fuzzy": len(fuzzy),
        "untranslated": len(untranslated),
    }
    errors = [
        f"{kind}: {e.msgid!r}"
        for kind, group in (("fuzzy", fuzzy), ("untranslated", untranslated))
        for e in group
    ]
    return counts, errors


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else HERE
    files = sorted(root.rglob("*.po"))
    if not files:
        print(f"No .po files under {root}", file=sys.stderr)
        return 2

    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        try:
            import polib  # noqa: F401
        except ImportError:
            print("Neither msgfmt (GNU gettext) nor polib is available.", file=sys.stderr)
            return 2

    failed = False
    for po in files:
        counts, errors = stats_msgfmt(po, msgfmt) if msgfmt else stats_polib(po)
        name = po.relative_to(root) if po.is_relative_to(root) else po
        summary = ", ".join(f"{counts[k]} {k}" for k in ("translated", "fuzzy", "untranslated"))
        bad = counts["fuzzy"] or counts["untranslated"] or errors or not counts["translated"]
        print(f"{'FAIL' if bad else 'ok'} {name}: {summary}")
        for error in errors:
            print(f"  {error}")
        if bad and msgfmt and (counts["fuzzy"] or counts["untranslated"]):
            try:  # name the offending entries when polib can
                for error in stats_polib(po)[1]:
                    print(f"  {error}")
            except ImportError:
                pass
        failed = failed or bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
