"""Data-parallel training with ``torchrun --nproc_per_node N`` (DistributedDataParallel).

Each process (rank) trains on its own slice of the data stream; DDP averages the gradients after every backward,
so every rank takes the same optimiser step and all of them hold the same weights at every step (the EMA too).
gloo on CPUs, NCCL on GPUs (one GPU per rank). Outside torchrun everything here is a no-op.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from diffusion.training import TrainState


def world_from_env() -> tuple[int, int, int]:
    """(rank, world size, local rank) as torchrun sets them; (0, 1, 0) outside torchrun."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


def setup() -> tuple[int, int, torch.device]:
    """Join the process group when launched by torchrun; returns (rank, world, device for this rank)."""
    rank, world, local = world_from_env()
    cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if world > 1:
        import torch.distributed as dist

        if cuda:
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if cuda else "gloo")
        if not cuda:  # share the cores: N processes with all threads each would thrash
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // world))
    return rank, world, device


def wrap(state: TrainState, rank: int, world: int) -> TrainState:
    """Make ``state`` train data-parallel: DDP broadcasts rank 0's weights, and a fresh EMA restarts from them."""
    state.rank, state.world = rank, world
    if world == 1:
        return state
    from torch.nn.parallel import DistributedDataParallel

    device = next(state.model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    state.forward_model = DistributedDataParallel(state.model, device_ids=ids)
    if state.ema.updates == 0:
        state.ema.model.load_state_dict(state.model.state_dict())
    return state


def weights_identical(model: nn.Module, world: int) -> bool:
    """True when every rank holds bit-identical parameters (compares each rank's flat weights with rank 0's)."""
    if world == 1:
        return True
    import torch.distributed as dist

    flat = torch.cat([p.detach().float().reshape(-1).cpu() for p in model.parameters()])
    mine = flat.clone()
    dist.broadcast(flat, src=0)
    same = torch.tensor([int(torch.equal(mine, flat))])
    dist.all_reduce(same, op=dist.ReduceOp.MIN)
    return bool(same.item())


def teardown(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
