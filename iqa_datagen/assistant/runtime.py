"""Device choice, mixed precision and seeding for training and inference."""

from __future__ import annotations

import contextlib
import os

import torch


def resolve_device(device: str) -> str:
    """'auto' → 'cuda' when a GPU is visible, else 'cpu'; 'cuda' without a GPU is an error."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked but torch sees no CUDA GPU; use 'auto' or 'cpu'")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    return device


def autocast(device: torch.device | str):
    """bf16 autocast on CUDA; full float32 on CPU (bit-reproducible there)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def default_workers(device: str, requested: int | None) -> int:
    if requested is not None:
        return requested
    return min(4, os.cpu_count() or 1) if device == "cuda" else 0


@contextlib.contextmanager
def deterministic(device: str, num_threads: int | None):
    """Deterministic kernels and an isolated torch RNG for the duration of a run.

    The global torch RNG and settings are restored afterwards, so training does not disturb
    the caller's random state.
    """
    previous = (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads())
    devices = [torch.cuda.current_device()] if device == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        if device == "cpu":
            torch.use_deterministic_algorithms(True)
        if num_threads:
            torch.set_num_threads(num_threads)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(previous[0])
            torch.set_num_threads(previous[1])
