"""How much `import helpers` adds over `import torch` (target: at most 0.5 s).

Run: ./dlbook python -m benchmarks.bench_import     (writes benchmarks/results/import.md)

Each measurement is a fresh interpreter, alternating the two commands so that disk-cache and
CPU-frequency drift hit both alike; the result is the median of the paired differences.
"""

import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9


def _seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - start


def main() -> None:
    _seconds("import torch, helpers")  # warm the file cache
    torch_only, with_helpers = [], []
    for _ in range(RUNS):
        torch_only.append(_seconds("import torch"))
        with_helpers.append(_seconds("import torch, helpers"))
    extra = statistics.median(b - a for a, b in zip(torch_only, with_helpers))
    # The same question asked inside one interpreter: the import itself, torch already loaded.
    probe = (
        "import time, torch; t = time.perf_counter(); import helpers; "
        "print(time.perf_counter() - t)"
    )
    direct = statistics.median(
        float(
            subprocess.run(
                [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(RUNS)
    )
    table = "\n".join(
        [
            "# `import helpers` over `import torch`",
            "",
            (
                f"{date.today()}, {platform.processor() or platform.machine()}, "
                f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}."
            ),
            "Command: `./dlbook python -m benchmarks.bench_import`",
            "",
            f"| | median of {RUNS} fresh interpreters |",
            "|---|---|",
            f"| `import torch` | {statistics.median(torch_only):.3f} s |",
            f"| `import torch, helpers` | {statistics.median(with_helpers):.3f} s |",
            f"| added by helpers (median paired difference) | {extra:.3f} s (target <= 0.5 s) |",
            f"| `import helpers` timed in-process after torch | {direct * 1000:.1f} ms |",
            "",
        ]
    )
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "import.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
