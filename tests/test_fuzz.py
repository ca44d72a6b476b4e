"""The fuzzing suite's short run (a few inputs of each kind; `make fuzz` runs it for minutes).

Every input either works or is refused with one line and exit code 2 (a ChainruleError from
the API); nothing outside the run's folder is touched. Timing is not asserted here (the long
run counts runs over 10 s).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from .fuzzing import ALL, Trial, run_trial

_numbers = itertools.count()


@pytest.mark.parametrize("kind", sorted(ALL))
def test_fuzz_short_run(kind: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    root: Path = tmp_path_factory.mktemp(f"fuzz-{kind}")

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(ALL[kind])
    def trial(t: Trial) -> None:
        result = run_trial(t, root, next(_numbers))
        assert result.outcome in ("ok", "rejected", "slow"), (t, result)
        assert result.touched == [], (t, result)

    trial()
