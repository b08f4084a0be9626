"""LLM layer: GT-informed detailed responses and question–answer expansion through the
``openai`` client against any OpenAI-compatible server (live or Batch API), with an on-disk
reply cache, retries, validation and token accounting.

Entry points: ``LLMConfig.from_env()``, ``llm_configured()``, ``LLMDetailedGenerator``,
``LLMExpansionGenerator``; the validators are pure functions usable on their own.
"""

from .batch import BatchPendingError
from .config import LLMConfig, LLMConfigError, llm_configured
from .engine import Usage
from .generators import GENERATOR_VERSION, LLMDetailedGenerator, LLMExpansionGenerator
from .prompts import PROMPT_VERSION
from .transport import LLMUnavailable
from .validation import validate_assessment, validate_comparison, validate_expansion

__all__ = [
    "BatchPendingError", "GENERATOR_VERSION", "LLMConfig", "LLMConfigError",
    "LLMDetailedGenerator", "LLMExpansionGenerator", "LLMUnavailable", "PROMPT_VERSION", "Usage",
    "llm_configured", "validate_assessment", "validate_comparison", "validate_expansion",
]
