"""Training progress: a rich progress bar on standard error, or a callable per epoch."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

# ---------------------------------------------------------------------------------------------
# Progress


class Reporter:
    """A rich progress bar on standard error (or a callable per epoch, or nothing)."""

    def __init__(self, progress: bool | Callable[[dict[str, Any]], None], epochs: int,
                 n: int) -> None:
        self.callback = progress if callable(progress) else None
        self.epochs = epochs
        self.n = n
        self.bar: Any = None
        self.active = False
        self.next_refresh = 0.0
        self.epoch_start = 0.0
        self.epoch = 1
        if progress is True:
            from rich.console import Console

            console = Console(stderr=True)
            if console.is_terminal or console.is_jupyter:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                )

                self.bar = Progress(
                    TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
                    BarColumn(), MofNCompleteColumn(),
                    TextColumn("cost {task.fields[cost]}"),
                    TextColumn("{task.fields[accuracy]}"),
                    TextColumn("{task.fields[speed]} samples/s"),
                    TimeElapsedColumn(), console=console, transient=False,
                )
                self.active = True

    def __enter__(self) -> Reporter:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("train", total=self.n, epoch=1, epochs=self.epochs,
                                          cost="-", accuracy="", speed="-")
        self.epoch_start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def batch_done(self, done: int, cost: float, accuracy: float | None) -> None:
        now = time.perf_counter()
        if now < self.next_refresh or self.bar is None:
            return
        self.next_refresh = now + 0.1
        elapsed = now - self.epoch_start
        self.bar.update(
            self.task, completed=done, epoch=self.epoch, cost=f"{cost:.4g}",
            accuracy=f"accuracy {accuracy:.1%}" if accuracy is not None else "",
            speed=f"{done / elapsed:,.0f}" if elapsed > 0 else "-",
        )

    def epoch_done(self, entry: dict[str, Any]) -> None:
        if self.callback is not None:
            self.callback(entry)
        if self.bar is not None:
            accuracy = entry.get("accuracy")
            self.bar.update(
                self.task, completed=self.n, epoch=entry["epoch"], cost=f"{entry['cost']:.4g}",
                accuracy=f"accuracy {accuracy:.1%}" if accuracy is not None else "",
                speed=f"{entry['samples_per_second']:,.0f}",
            )
            if entry["epoch"] < self.epochs:
                self.epoch = entry["epoch"] + 1
                self.bar.reset(self.task, total=self.n, epoch=self.epoch, epochs=self.epochs,
                               cost="-", accuracy="", speed="-")
        self.epoch_start = time.perf_counter()
        self.next_refresh = 0.0

