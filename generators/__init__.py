"""Record generators: question pools, brief (templated) tasks, detailed responses (LLM or
offline), question–answer expansion and MOS dataset adapters."""
