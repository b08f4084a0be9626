"""Test helpers that ship with the package (so benchmarks and downstream tests can use them)."""

from .fake_openai import Behaviour, FakeOpenAIServer, fake_server

__all__ = ["Behaviour", "FakeOpenAIServer", "fake_server"]
