#!/usr/bin/env python3
"""Sum up meson's testlog.json files into one line: "N passed, N failed[, N skipped]".

Usage: test-summary.py [--prefix TEXT] [--extra-failed N] TESTLOG.json...

Each testlog.json has one JSON object per line with a "result" field. OK and
EXPECTEDFAIL count as passed, SKIP as skipped, everything else (FAIL, TIMEOUT, ERROR,
UNEXPECTEDPASS, INTERRUPT, ...) as failed. A missing log counts as no tests.
--extra-failed adds failures that did not come from a test (a build that failed).
--exit-status makes the exit status 1 when anything failed.
"""

import argparse
import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", default="")
    parser.add_argument("--extra-failed", type=int, default=0)
    parser.add_argument("--exit-status", action="store_true")
    parser.add_argument("logs", nargs="*")
    args = parser.parse_args()

    passed = failed = skipped = 0
    failed += args.extra_failed
    for path in args.logs:
        try:
            f = open(path, encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        with f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    result = json.loads(line).get("result", "")
                except (json.JSONDecodeError, AttributeError):
                    continue
                if result in PASSED:
                    passed += 1
                elif result in SKIPPED:
                    skipped += 1
                else:
                    failed += 1

    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(f"{args.prefix}{summary}")
    return 1 if (args.exit_status and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
