"""LLM layer: GT-informed detailed responses and question–answer expansion through the
``openai`` client against any OpenAI-compatible server (live or Batch API), with an on-disk
reply cache, retries, validation and token accounting.

Entry points: ``LLMConfig.from_env()``, ``llm_configured()``, ``LLMDetailedGenerator``,
``LLMExpansionGenerator``; the validators are pure functions usable on their own.

The names below are imported on first use: the validators (``validation``) need no ``openai``,
and importing the client costs half a second that ``stats`` and ``resplit`` never use.
"""

from iqa_datagen.lazy import lazy_exports

_EXPORTS = {
    "BatchPendingError": ".batch", "LLMConfig": ".config", "LLMConfigError": ".config",
    "llm_configured": ".config", "Usage": ".engine", "GENERATOR_VERSION": ".generators",
    "LLMDetailedGenerator": ".generators", "LLMExpansionGenerator": ".generators",
    "PROMPT_VERSION": ".prompts", "LLMUnavailable": ".transport",
    "validate_assessment": ".validation", "validate_comparison": ".validation",
    "validate_expansion": ".validation",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
