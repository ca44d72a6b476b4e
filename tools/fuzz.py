"""The long fuzzing run: `make fuzz MINUTES=10` (or `python tools/fuzz.py --minutes 10`).

Draws inputs of every kind from the strategies in tests/fuzzing.py (network files valid and
mutated, CLI option values, diff expressions with attribute-access payloads, CSV data, Python
API arguments), runs each in a scratch folder of its own, and prints the counts by outcome:
ok, rejected (one line, exit 2), rejected but not in one line, internal error, over 10 s, and
files touched outside the run's folder. Exit code 1 when any count other than ok/rejected is
not zero (the bar: all of them 0).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from tests.fuzzing import ALL, OUTCOMES, Outcome, Trial, run_trial  # noqa: E402


class _TimeUp(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--kind", choices=sorted(ALL), action="append",
                        help="only these kinds (default: all)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    kinds = args.kind or sorted(ALL)
    end = time.monotonic() + args.minutes * 60
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    findings: list[tuple[Trial, Outcome]] = []
    slowest: list[tuple[float, str]] = []
    number = 0
    warnings.simplefilter("ignore")

    with tempfile.TemporaryDirectory(prefix="chainrule-fuzz-") as scratch:
        root = Path(scratch)

        @settings(max_examples=10**7, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.sampled_from(kinds).flatmap(lambda kind: ALL[kind]))
        def trial(t: Trial) -> None:
            nonlocal number
            if time.monotonic() > end:
                raise _TimeUp
            number += 1
            result = run_trial(t, root, number)
            counts[(t.kind, result.outcome)] += 1
            if result.touched:
                counts[(t.kind, "touched-outside")] += 1
            slowest.append((result.seconds, repr(t)))
            slowest.sort(reverse=True)
            del slowest[3:]
            if result.outcome not in ("ok", "rejected") or result.touched:
                findings.append((t, result))
            if number % 100 == 0:
                print(f"  {number} inputs...", file=sys.stderr, flush=True)

        if args.seed is not None:
            from hypothesis import seed

            trial = seed(args.seed)(trial)
        try:
            trial()
        except _TimeUp:
            pass
        except BaseException as error:  # noqa: BLE001 - report, then the counts
            print(f"the run stopped: {type(error).__name__}: {error}", file=sys.stderr)

    total = sum(counts.values()) - sum(v for (k, o), v in counts.items() if o == "touched-outside")
    print(f"{total} inputs in {args.minutes:g} minutes")
    width = max(len(k) for k in kinds)
    print(f"{'kind'.ljust(width)}  " + "  ".join(o.rjust(10) for o in OUTCOMES))
    for kind in kinds:
        row = [str(counts[(kind, o)]).rjust(max(10, len(o))) for o in OUTCOMES]
        print(f"{kind.ljust(width)}  " + "  ".join(row))
    totals = [str(sum(counts[(k, o)] for k in kinds)).rjust(max(10, len(o))) for o in OUTCOMES]
    print(f"{'all'.ljust(width)}  " + "  ".join(totals))
    print("slowest: " + "; ".join(f"{s:.1f} s {t[:120]}" for s, t in slowest))
    for t, result in findings[:20]:
        print(f"FINDING {result.outcome} ({result.seconds:.1f} s, touched {result.touched}): "
              f"{t!r}\n    {result.detail[:300]}")
        for name, data in t.files.items():
            print(f"    {name}: {data[:300]!r}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
