"""From chainrule to PyTorch data-parallel training (see docs/scaling.md).

A chainrule network goes to PyTorch with ``cr.to_torch``, trains there with
``DistributedDataParallel`` (one process per GPU, on one machine or many), and comes back with
``cr.from_torch`` so that chainrule can evaluate it, save it, or explain one of its steps.

Run it:

    python examples/scaling_example.py                        # one process, CPU (or one GPU)
    torchrun --nproc_per_node=4 examples/scaling_example.py   # 4 processes on this machine
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 \\
        --master_addr=10.0.0.1 --master_port=29500 examples/scaling_example.py   # machine 1 of 2

Every process runs this same file; torchrun sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and
MASTER_PORT. Each process trains on its own shard of the data (DistributedSampler), and DDP
averages the gradients across processes after every backward pass, so the processes stay in
step like one large batch.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

import chainrule as cr


def main(epochs: int = 5, max_steps: int | None = None, save: str | None = None) -> cr.Network:
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, TensorDataset
    from torch.utils.data.distributed import DistributedSampler

    from chainrule.train.data import digits

    # 1. One process per device. Without torchrun: a group of one process (rendezvous file).
    rank = int(os.environ.get("RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
    backend = "nccl" if cuda else "gloo"
    own_group = not dist.is_initialized()
    if own_group:
        if "MASTER_ADDR" in os.environ:
            dist.init_process_group(backend)
        else:
            rendezvous = tempfile.NamedTemporaryFile(delete=False).name
            dist.init_process_group(backend, init_method=f"file://{rendezvous}", rank=0,
                                    world_size=1)

    # 2. The network, designed (or hand-checked) in chainrule, exported to PyTorch.
    net = cr.mlp([64, 32, 10], hidden="relu", output="softmax",
                 cost="categorical_cross_entropy", seed=0)
    model = cr.to_torch(net, dtype="float32").to(device)
    # The export ends in Softmax (it outputs probabilities, like chainrule). For training, drop
    # it and use cross_entropy on the logits: the same gradient, dC/dz = a - y, computed stably.
    logits = model[:-1]
    ddp = DistributedDataParallel(logits, device_ids=[local_rank] if cuda else None)

    # 3. Data: each process gets its own shard of the samples.
    data = digits()
    X = torch.tensor(data.X / 16.0, dtype=torch.float32)
    y = torch.tensor(data.y)
    sampler = DistributedSampler(TensorDataset(X, y), num_replicas=world, rank=rank,
                                 shuffle=True, seed=0)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, sampler=sampler)

    # 4. Plain SGD, the chainrule update w_new = w_old - r dC/dw, on averaged gradients.
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.05)
    step = 0
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(ddp(xb.to(device)), yb.to(device))
            loss.backward()  # DDP all-reduces (averages) the gradients here
            optimizer.step()
            step += 1
            if max_steps is not None and step >= max_steps:
                break
        if max_steps is not None and step >= max_steps:
            break

    # 5. Back to chainrule (every process holds the same weights; rank 0 reports and saves).
    trained = cr.from_torch(model.cpu())
    if rank == 0:
        from chainrule.train.loop import evaluate

        scores = evaluate(trained, data.X / 16.0, data.y)
        print(f"{step} steps x {world} process(es): cost {scores['cost']:.4f}, "
              f"accuracy {scores['accuracy']:.1%}")
        if save:
            from chainrule.io.npzfile import save_npz

            save_npz(trained, save)
    if own_group:
        dist.destroy_process_group()
    return trained


def _arguments(argv: list[str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for arg in argv:
        key, _, value = arg.lstrip("-").partition("=")
        options[key.replace("-", "_")] = value if key == "save" else int(value)
    return options


if __name__ == "__main__":
    main(**_arguments(sys.argv[1:]))
