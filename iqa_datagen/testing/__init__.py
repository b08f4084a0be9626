"""Test helpers that ship with the package (so benchmarks and downstream tests can use them)."""

from .fake_openai import Behaviour, FakeOpenAIServer

__all__ = ["Behaviour", "FakeOpenAIServer"]
