"""Learning curves: the cost (and accuracy) per epoch of a training run, drawn with matplotlib."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from chainrule.core.optional import optional_import
from chainrule.pictures.matplotlib_backend import (
    NEEDED_FOR,
    check_picture_path,
    pyplot,
    save_figure,
)


def plot_history(history: Sequence[dict[str, Any]], path: str | os.PathLike[str], *,
                 title: str | None = None) -> None:
    """Draw ``history`` (from :func:`chainrule.train`) to ``path`` (.png, .svg or .pdf): the
    training and test cost per epoch, and the accuracies on a second panel when recorded."""
    check_picture_path(path)
    plt = pyplot()
    ticker = optional_import("matplotlib.ticker", NEEDED_FOR)
    epochs = [h["epoch"] for h in history]
    has_accuracy = any("accuracy" in h for h in history)
    fig, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(9 if has_accuracy else 5, 3.5),
                             squeeze=False)
    ax = axes[0][0]
    ax.plot(epochs, [h["cost"] for h in history], marker=".", label="train (mean batch cost)")
    if any("test_cost" in h for h in history):
        ax.plot(epochs, [h.get("test_cost") for h in history], marker=".", label="test")
    for axis in axes[0]:
        axis.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # whole epochs
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost C")
    ax.legend()
    ax.grid(alpha=0.3)
    if has_accuracy:
        ax2 = axes[0][1]
        ax2.plot(epochs, [h.get("accuracy") for h in history], marker=".", label="train")
        if any("test_accuracy" in h for h in history):
            ax2.plot(epochs, [h.get("test_accuracy") for h in history], marker=".", label="test")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("accuracy")
        ax2.legend()
        ax2.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)
