"""docs/scaling.md's example runs: a chainrule network's PyTorch export trains a few steps with
DistributedDataParallel on the CPU (one process) and comes back as a Network."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "scaling_example.py"


def test_the_scaling_example_trains_with_ddp_on_cpu(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("scaling_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved = tmp_path / "ddp.npz"
    trained = module.main(epochs=1, max_steps=5, save=str(saved))
    assert "5 steps x 1 process(es)" in capsys.readouterr().out
    start = cr.mlp([64, 32, 10], hidden="relu", output="softmax",
                   cost="categorical_cross_entropy", seed=0)
    assert trained.inputs == start.inputs and trained.cost == start.cost
    before = np.array([p.value for p in start.weights.values()])
    after = np.array([p.value for p in trained.weights.values()])
    assert 0 < np.abs(after - before).max() < 1
    assert [p.value for p in cr.load(saved).weights.values()] == after.tolist()
