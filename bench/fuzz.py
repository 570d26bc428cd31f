"""The API fuzz test at a size CI cannot afford: many generated cases per operation.

Runs tests/api/test_api_fuzz.py with FUZZ_EXAMPLES (default 60) and Schemathesis's coverage
phase (boundary cases for every field) against the test database and prints how many cases
and requests were generated and whether any broke the schema or answered with a server error.
`make test` already runs the same test with a few cases per operation, so the smoke run only
shows that this one still runs through: one case for each of the expert's own operations.

    make bench                     # or:
    FUZZ_EXAMPLES=200 .venv/bin/python bench/fuzz.py
"""

import json
import os
import subprocess
import sys
import time

import _django

ROOT = _django.ROOT


def main() -> int:
    examples = os.environ.get("FUZZ_EXAMPLES", _django.size("60", "1"))
    environment = {
        **os.environ,
        "FUZZ_EXAMPLES": examples,
        "FUZZ_COVERAGE": os.environ.get("FUZZ_COVERAGE", _django.size("1", "0")),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FUZZ_PATHS": os.environ.get("FUZZ_PATHS", _django.size("", "^/api/me/")),
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/api/test_api_fuzz.py", "-p", "no:randomly"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    report = json.loads((ROOT / "test-output" / "api-fuzz.json").read_text())
    # pytest's closing line ("N passed in ..."), not the warnings' footer printed after it.
    lines = result.stdout.strip().splitlines()
    summary = next(
        (line.strip("= ") for line in reversed(lines) if " passed" in line or " failed" in line or " error" in line),
        lines[-1] if lines else "(no output)",
    )
    coverage = "with" if report.get("coverage_phase") else "without"
    print(
        f"API fuzzing, up to {examples} generated cases per operation {coverage} the coverage phase, "
        f"each sent as {len(report['callers'])} callers"
    )
    print(f"  operations:       {report['operations']:>8,}")
    print(f"  generated cases:  {report['cases']:>8,}")
    print(f"  requests sent:    {report['requests']:>8,}")
    print(f"  time:             {elapsed:>8.1f} s")
    print(f"  result:           {summary}")
    if result.returncode:
        print(result.stdout[-5000:])
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
