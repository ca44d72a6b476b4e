"""The vectorized trainer: compile, kernel, loop, optimizers, data sets, PyTorch bridge."""
