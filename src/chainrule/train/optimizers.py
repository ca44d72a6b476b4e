"""Optimizers as small ``(init, update)`` pairs, in the style of JAX's ``example_libraries``.

``init(params)`` makes the optimizer's state for a list of parameter arrays;
``update(step, grads, params, state)`` applies one step (``step`` counts from 1) to ``params``
*in place* and returns the new state. ``grads`` are the batch-mean gradients; ``update`` may
overwrite them (they are scratch buffers). A gradient entry that is 0 because its parameter is
frozen (or absent) leaves that parameter unchanged under every optimizer here.

- ``sgd``: exactly ``w_new = w_old - r * g``, the handout's update.
- ``momentum``: ``v = mass * v + g``, ``w_new = w_old - r * v`` (PyTorch's convention).
- ``adam``: Kingma and Ba (2015) with bias correction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]
State = Any
Init = Callable[[list[Array]], State]
Update = Callable[[int, list[Array], list[Array], State], State]
Optimizer = tuple[Init, Update]


def sgd(learning_rate: float) -> Optimizer:
    """Plain gradient descent: ``w_new = w_old - r * g`` (r = ``learning_rate``)."""
    r = learning_rate

    def init(params: list[Array]) -> State:
        return None

    def update(step: int, grads: list[Array], params: list[Array], state: State) -> State:
        for w, g in zip(params, grads, strict=True):
            g *= r
            w -= g
        return state

    return init, update


def momentum(learning_rate: float, mass: float = 0.9) -> Optimizer:
    """Gradient descent with momentum: ``v = mass * v + g``, ``w_new = w_old - r * v``."""
    r = learning_rate

    def init(params: list[Array]) -> State:
        return [np.zeros_like(w) for w in params]

    def update(step: int, grads: list[Array], params: list[Array], state: State) -> State:
        for w, g, v in zip(params, grads, state, strict=True):
            v *= mass
            v += g
            np.multiply(v, r, out=g)
            w -= g
        return state

    return init, update


def adam(learning_rate: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam: ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
    ``w_new = w_old - r * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``."""
    r = learning_rate

    def init(params: list[Array]) -> State:
        return [(np.zeros_like(w), np.zeros_like(w)) for w in params]

    def update(step: int, grads: list[Array], params: list[Array], state: State) -> State:
        c1 = 1.0 - b1**step
        c2 = 1.0 - b2**step
        for w, g, (m, v) in zip(params, grads, state, strict=True):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            g *= g
            g *= 1.0 - b2
            v += g
            denominator = np.sqrt(v / c2)
            denominator += eps
            np.divide(m, denominator, out=g)
            g *= r / c1
            w -= g
        return state

    return init, update


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {"sgd": sgd, "momentum": momentum, "adam": adam}
