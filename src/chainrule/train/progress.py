"""Training progress: one protocol, :class:`Progress`, that :func:`chainrule.train` reports to,
and its implementations. This is the only place the library writes to a terminal.

``train(..., progress=...)`` takes

- ``True``: :class:`TerminalBar` on standard error when it is a terminal, :class:`NotebookBar`
  in Jupyter, nothing otherwise;
- ``False``: nothing;
- a callable: called with each epoch's history entry (``{"epoch": 1, "cost": ...}``);
- any object with the :class:`Progress` methods (for example :class:`EpochLines`, which the
  CLI uses when standard error is not a terminal).

A bar fits its console's width (80 columns too), moves within an epoch, and leaves one line per
epoch above it::

    epoch  1/20  cost 0.6317  accuracy 81.4%  test 0.4021, 88.1%  90 ms
    epoch  2/20 ━━━━━━━━━━━━╺━━━━━━━━━━━━  704/1438  cost 0.2851  accuracy 91.7%  15,201/s
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:  # rich is imported when a bar is shown: `import chainrule` stays light
    from rich.console import Console
    from rich.progress import Progress as RichProgress

Entry = dict[str, Any]
REFRESH_S = 0.1
"""Seconds between two redraws of a bar within an epoch."""


@runtime_checkable
class Progress(Protocol):
    """What :func:`chainrule.train` tells about its progress, in this order: ``start`` once,
    ``batch`` now and then within an epoch, ``epoch`` after each epoch, ``stop`` once (also
    after an error or Ctrl-C)."""

    def start(self, epochs: int, samples: int) -> None:
        """Training begins: ``epochs`` passes over ``samples`` samples each."""

    def batch(self, done: int, cost: float, accuracy: float | None) -> None:
        """``done`` samples of this epoch are through; ``cost`` (and ``accuracy``) so far."""

    def epoch(self, entry: Entry) -> None:
        """An epoch is over; ``entry`` is its history dict (epoch, cost, seconds, ...)."""

    def stop(self) -> None:
        """Training is over."""


def epoch_line(entry: Entry, epochs: int) -> str:
    """One line for one epoch, short enough for 80 columns:
    ``epoch  3/20  cost 0.2851  accuracy 91.7%  test 0.3954, 88.6%  120 ms``."""
    width = len(str(epochs))
    text = f"epoch {entry['epoch']:>{width}}/{epochs}  cost {entry['cost']:.4g}"
    if "accuracy" in entry:
        text += f"  accuracy {entry['accuracy']:.1%}"
    if "test_cost" in entry:
        text += f"  test {entry['test_cost']:.4g}"
        if "test_accuracy" in entry:
            text += f", {entry['test_accuracy']:.1%}"
    seconds = entry.get("seconds")
    if seconds is not None:
        text += f"  {seconds * 1000:.0f} ms" if seconds < 1 else f"  {seconds:.1f} s"
    return text


class Silent:
    """Reports nothing."""

    def start(self, epochs: int, samples: int) -> None:
        pass

    def batch(self, done: int, cost: float, accuracy: float | None) -> None:
        pass

    def epoch(self, entry: Entry) -> None:
        pass

    def stop(self) -> None:
        pass


class EpochCallback(Silent):
    """Calls ``callback(entry)`` after each epoch (what ``progress=callable`` means)."""

    def __init__(self, callback: Callable[[Entry], object]) -> None:
        self.callback = callback

    def epoch(self, entry: Entry) -> None:
        self.callback(entry)


class EpochLines(Silent):
    """One line per epoch (:func:`epoch_line`), given to ``write``: for logs and pipes."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.epochs = 0

    def start(self, epochs: int, samples: int) -> None:
        self.epochs = epochs

    def epoch(self, entry: Entry) -> None:
        self.write(epoch_line(entry, self.epochs))


class TerminalBar:
    """A rich progress bar on ``console`` (standard error by default) that moves within each
    epoch and leaves one line per epoch above it; it fits the console's width."""

    def __init__(self, console: Console | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True)
        self.bar: RichProgress | None = None
        self.epochs = 0
        self.samples = 0
        self.epoch_number = 1
        self.epoch_start = 0.0

    def _columns(self) -> tuple[Any, ...]:
        from rich.progress import BarColumn, TextColumn

        digits = len(str(self.samples))
        fixed = (
            len(f"epoch {self.epochs}/{self.epochs}")
            + 2 * digits + 1
            + len("cost 1.234e-05")
            + len("accuracy 100.0%")
            + len("9,999,999/s")
            + 5  # one space between columns
        )
        bar = max(6, min(40, self.console.width - fixed - 1))
        return (
            TextColumn("epoch {task.fields[epoch]}"),
            BarColumn(bar_width=bar),
            TextColumn("{task.completed:>" + str(digits) + "}/{task.total:.0f}"),
            TextColumn("{task.fields[cost]}"),
            TextColumn("{task.fields[accuracy]}"),
            TextColumn("{task.fields[speed]}"),
        )

    def start(self, epochs: int, samples: int) -> None:
        from rich.progress import Progress as RichProgress

        self.epochs, self.samples = epochs, samples
        self.bar = RichProgress(*self._columns(), console=self.console, auto_refresh=False,
                                transient=True)
        self.bar.start()
        self.task = self.bar.add_task("train", total=samples, **self._fields(1, "", None, ""))
        self.epoch_start = time.perf_counter()
        self.bar.refresh()

    def _fields(self, epoch: int, cost: str, accuracy: float | None, speed: str) -> Entry:
        width = len(str(self.epochs))
        return {
            "epoch": f"{epoch:>{width}}/{self.epochs}",
            "cost": f"cost {cost}" if cost else "",
            "accuracy": f"accuracy {accuracy:.1%}" if accuracy is not None else "",
            "speed": speed,
        }

    def batch(self, done: int, cost: float, accuracy: float | None) -> None:
        if self.bar is None:
            return
        elapsed = time.perf_counter() - self.epoch_start
        speed = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
        self.bar.update(self.task, completed=done,
                        **self._fields(self.epoch_number, f"{cost:.4g}", accuracy, speed))
        self.bar.refresh()

    def epoch(self, entry: Entry) -> None:
        if self.bar is None:
            return
        self.bar.console.print(epoch_line(entry, self.epochs), highlight=False,
                               overflow="ellipsis", no_wrap=True, crop=True)
        self.epoch_number = entry["epoch"] + 1
        if self.epoch_number <= self.epochs:
            self.bar.reset(self.task, total=self.samples,
                           **self._fields(self.epoch_number, "", None, ""))
        self.epoch_start = time.perf_counter()
        self.bar.refresh()

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class NotebookBar(TerminalBar):
    """The same bar in a Jupyter notebook (rich draws it as the cell's output)."""

    def __init__(self) -> None:
        from rich.console import Console

        super().__init__(Console(force_jupyter=True))


def progress_for(progress: bool | Callable[[Entry], object] | Progress) -> Progress:
    """The :class:`Progress` that ``train(..., progress=progress)`` reports to."""
    if progress is True:
        from rich.console import Console

        console = Console(stderr=True)
        if console.is_jupyter:
            return NotebookBar()
        return TerminalBar(console) if console.is_terminal else Silent()
    if progress is False or progress is None:
        return Silent()
    if isinstance(progress, Progress):
        return progress
    if callable(progress):
        return EpochCallback(progress)
    raise TypeError(f"progress must be True, False, a callable or a Progress, got {progress!r}")


class Reporter:
    """What the training loop holds: a :class:`Progress` with batch reports thinned to one
    every :data:`REFRESH_S` seconds. A context manager: ``start`` on entry, ``stop`` on exit."""

    def __init__(self, progress: bool | Callable[[Entry], object] | Progress, epochs: int,
                 n: int) -> None:
        self.progress = progress_for(progress)
        self.epochs = epochs
        self.n = n
        self.active = not isinstance(self.progress, Silent)
        """Whether batch reports are wanted at all (the loop skips computing them if not)."""
        self.next_refresh = 0.0

    def __enter__(self) -> Reporter:
        self.progress.start(self.epochs, self.n)
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def batch_done(self, done: int, cost: float, accuracy: float | None) -> None:
        now = time.perf_counter()
        if now < self.next_refresh:
            return
        self.next_refresh = now + REFRESH_S
        self.progress.batch(done, cost, accuracy)

    def epoch_done(self, entry: Entry) -> None:
        self.progress.epoch(entry)
        self.next_refresh = 0.0
