"""The trainer's BLAS threads: chosen per problem, asked for with `threads=`, never changing a
number (the choice is timing; the tests check only what does not depend on the clock)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import chainrule as cr
from chainrule.cli import cli
from chainrule.core.errors import UsageError
from chainrule.train import threads


def _problem() -> tuple[cr.Network, np.ndarray, np.ndarray]:
    # products of 64 x 300 x 48 multiply-adds: large enough that BLAS splits them on 2 threads
    rng = np.random.default_rng(3)
    X = rng.standard_normal((256, 300))
    labels = rng.integers(0, 5, 256)
    net = cr.mlp([300, 48, 5], hidden="tanh", output="softmax",
                 cost="categorical_cross_entropy", seed=1)
    return net, X, labels


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("whole", [True, False])
def test_the_numbers_do_not_depend_on_the_threads(optimizer: str, whole: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule.train import chain

    if not whole:  # gathered batch by batch, as large data is (sgd: updated in the product)
        monkeypatch.setattr(chain, "WHOLE_BYTES", 0)
    net, X, labels = _problem()
    runs = [cr.train(net, X, labels, epochs=2, batch_size=64, learning_rate=0.05, seed=0,
                     optimizer=optimizer, progress=False, threads=t) for t in (1, 2, None)]
    assert [r.threads for r in runs[:2]] == [1, 2]
    base = _values(runs[0].network)
    for other in runs[1:]:
        got = _values(other.network)
        np.testing.assert_allclose(got, base, rtol=0, atol=1e-12)
        assert other.costs == pytest.approx(runs[0].costs, abs=1e-12)


def test_small_products_run_on_one_thread_and_say_why() -> None:
    X = np.random.default_rng(0).standard_normal((64, 4))
    net = cr.mlp([4, 8, 2], output="softmax", cost="categorical_cross_entropy", seed=0)
    result = cr.train(net, X, np.arange(64) % 2, batch_size=16, progress=False)
    assert result.threads == 1 and "small" in result.threads_reason
    tiny = cr.train(cr.mlp([2, 2, 1], seed=0), X[:, :2], X[:, :1] > 0, batch_size=1,
                    progress=False)
    assert tiny.engine == "scalar" and "scalar" in tiny.threads_reason


@pytest.mark.parametrize("bad", [0, -1, 1.5, "two", True])
def test_bad_threads_is_a_usage_error(bad: object) -> None:
    net, X, labels = _problem()
    with pytest.raises(UsageError, match="`threads`"):
        cr.train(net, X, labels, progress=False, threads=bad)  # type: ignore[arg-type]


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def _run(monkeypatch: pytest.MonkeyPatch, seconds: dict[int, float], batches: int,
         others: int = 0) -> tuple[threads.Governor, list[int]]:
    """A governor over ``batches`` batches that take ``seconds[threads]`` each."""
    clock = _Clock()
    calls: list[int] = []
    monkeypatch.setattr(threads, "time", clock)
    monkeypatch.setattr(threads, "limited", _recording(calls))
    monkeypatch.setattr(threads, "cores", lambda: 2)
    monkeypatch.setattr(threads, "others_running", lambda: others)
    choice = threads.ThreadChoice(1, "1: chosen while the batches run", adaptive=True, key=-1)
    with threads.Governor(choice) as governor:
        for _ in range(batches):
            clock.now += seconds[governor.threads]
            governor.tick()
    return governor, calls


def test_a_governor_moves_to_more_threads_when_they_win(
        monkeypatch: pytest.MonkeyPatch) -> None:
    governor, calls = _run(monkeypatch, {1: 1.0, 2: 0.5}, 200)
    assert calls[:2] == [1, 2] and governor.threads == 2
    used = governor.used()
    assert used.threads == 2 and "on 2 thread(s)" in used.reason
    # the next training of the same size starts on 2 threads
    assert threads.initial(None, 10**9, 100).threads in (1, 2)
    assert threads._recent[-1][0] == 2


def test_a_governor_keeps_one_thread_when_more_do_not_clearly_win(
        monkeypatch: pytest.MonkeyPatch) -> None:
    governor, calls = _run(monkeypatch, {1: 1.0, 2: 0.97}, 300)
    used = governor.used()
    assert used.threads == 1 and 2 in calls and governor.threads == 1


def test_a_governor_goes_back_to_one_thread_at_once_on_a_busy_machine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    governor, calls = _run(monkeypatch, {1: 1.0, 2: 30.0}, 200)
    used = governor.used()
    assert used.threads == 1 and "slower" in used.reason
    # each try costs at most its first two batches
    assert governor.counts[2] <= 2 * governor.tries


def test_a_governor_tries_no_more_threads_while_others_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    governor, calls = _run(monkeypatch, {1: 1.0, 2: 0.5}, 200, others=1)
    assert set(calls) == {1} and governor.tries == 0
    assert "other processes" in governor.used().reason


def test_others_running_reads_a_count() -> None:
    assert threads.others_running() >= 0
    assert 1 <= threads.free_cores(2) <= 2


def test_initial_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "cores", lambda: 2)
    assert threads.initial(3, 10**9, 100).threads == 3
    assert threads.initial(None, 1000, 100).limit is False
    assert threads.initial(None, 10**9, 5).threads == 1
    start = threads.initial(None, 10**9 + 1, 100)
    assert start.adaptive and start.threads == 1


def test_cli_threads_and_verbose() -> None:
    result = CliRunner().invoke(cli, ["train", "--data", "xor", "--layers", "2,4,1", "--epochs",
                                      "1", "--quiet", "--verbose", "--threads", "1"])
    assert result.exit_code == 0, result.output
    assert "threads: 1 as asked" in result.output


def _recording(calls: list[int]):  # type: ignore[no-untyped-def]
    import contextlib

    @contextlib.contextmanager
    def limited(n: int):  # type: ignore[no-untyped-def]
        calls.append(n)
        yield

    return limited


def _values(net: cr.Network) -> np.ndarray:
    return np.array([p.value for p in net.weights.values()]
                    + [p.value for p in net.biases.values()])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_in_place_product_is_the_product_then_the_subtraction(dtype: type) -> None:
    subtract = threads.subtract_product(dtype)
    if subtract is None:
        pytest.skip("NumPy's BLAS is not a known OpenBLAS here")
    rng = np.random.default_rng(3)
    for m, n, k in [(1, 1, 1), (37, 65, 33), (128, 300, 20)]:
        a = rng.standard_normal((m, n)).astype(dtype)
        d = rng.standard_normal((m, k)).astype(dtype)
        whole = rng.standard_normal((n + 1, k)).astype(dtype)
        w = whole[:-1]  # (a view, as the trainer's weights are: [W; b] without b)
        expected = w - a.T @ d
        bias = whole[-1].copy()
        subtract(a, d, w)
        np.testing.assert_array_equal(w, expected)
        np.testing.assert_array_equal(whole[-1], bias)


def test_large_data_updates_the_first_layer_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule.train import chain
    from chainrule.train.compile import compile_network

    if threads.subtract_product(np.float64) is None:
        pytest.skip("NumPy's BLAS is not a known OpenBLAS here")
    monkeypatch.setattr(chain, "WHOLE_BYTES", 0)
    net = cr.mlp([6, 5, 3], hidden="relu", output="softmax",
                 cost="categorical_cross_entropy", seed=0)
    structure, initial = compile_network(net)
    X = np.zeros((10, 6))
    kernel = chain.kernel_for(structure, initial, np.float64, 4, X, np.zeros((10, 3)), None,
                              None)
    assert kernel is not None and kernel.first_in_place == 6 * 5
    kernel.close()
