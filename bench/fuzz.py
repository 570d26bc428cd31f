"""The API fuzz test at a size CI cannot afford: many generated cases per operation.

Runs tests/api/test_api_fuzz.py with FUZZ_EXAMPLES (default 60) against the test database and
prints how many cases and requests were generated and whether any broke the schema or
answered with a server error.

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
    environment = {**os.environ, "FUZZ_EXAMPLES": examples, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/api/test_api_fuzz.py", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    report = json.loads((ROOT / "test-output" / "api-fuzz.json").read_text())
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"API fuzzing, up to {examples} cases per operation, each sent as {len(report['callers'])} callers")
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
