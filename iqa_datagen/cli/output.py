"""How commands report: a readable summary for people, one JSON line for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Callable


def emit(args: argparse.Namespace, summary: dict, human: Callable[[], None]) -> None:
    """``--json``: the summary as one JSON object on the last stdout line; else ``human()``."""
    if getattr(args, "json", False):
        print(json.dumps(summary, default=str, sort_keys=True))
    else:
        human()


def print_summary(what: str, s: dict) -> None:
    """The final summary of a build-like command: counts, rejects, time, tokens."""
    lines = [f"{what}: done in {s.get('seconds', 0):.1f} s"]
    if "out" in s:
        lines.append(f"  dataset     {s['out']}")
    if "references" in s:
        resumed = f" ({s['shards_resumed']} resumed)" if s.get("shards_resumed") else ""
        lines.append(f"  references  {s['references']} in {s.get('shards', 0)} shards{resumed}")
    for task, n in (s.get("records") or {}).items():
        lines.append(f"  {task:<27} {n:>8} records")
    if "records_total" in s:
        lines.append(f"  {'total':<27} {s['records_total']:>8} records")
    if "records_added" in s:
        done = s.get("shards") and s.get("shards_resumed") == s.get("shards")
        lines.append(f"  added       {s['records_added']} new records this run"
                     + (" (nothing new: complete from an earlier run)" if done else ""))
    if "share" in s:
        lines.append(f"  share       {s['share']:g} of the samples the task counts ask for "
                     "(--share)")
    totals = s.get("totals") or s.get("rows")
    if totals:
        splits = ", ".join(f"{k} {v}" for k, v in totals.get("by_split", {}).items())
        lines.append(f"  dataset rows {totals.get('rows')} ({splits})")
    for key in ("moved", "kept", "dropped_ood"):
        if key in s:
            lines.append(f"  {key.replace('_', ' '):<11} {s[key]}")
    if s.get("quarantined"):
        lines.append(f"  quarantined {len(s['quarantined'])} reference(s):")
        lines += [f"    {q.get('source')}: {q.get('reason')}" for q in s["quarantined"][:20]]
    if "rejects" in s:
        lines.append(f"  rejects     {s['rejects']} responses (see rejects/)")
    if s.get("writers"):
        lines.append("  writers     " + ", ".join(f"{w} {n}" for w, n in s["writers"].items()))
    if "failed" in s:
        lines.append(f"  failed      {s['failed']} samples no writer could make"
                     + (f" ({s.get('llm_failures', 0)} LLM requests without a reply)"
                        if s.get("llm_failures") else ""))
    if "dropped_low_confidence" in s:
        lines.append(f"  verdicts    {s['dropped_low_confidence']} pairs dropped below "
                     f"assistant.confidence_threshold, {s.get('no_reference_disagreed', 0)} "
                     "pairs without a no-reference record (the no-reference assistant did not "
                     "back the verdict)")
    if s.get("tokens") and (s.get("llm_requests") or s.get("llm_cache_hits")):
        t = s["tokens"]
        lines.append(f"  LLM         {s.get('llm_requests', 0)} requests, "
                     f"{s.get('llm_cache_hits', 0)} cache hits, {t['prompt']} prompt + "
                     f"{t['completion']} completion tokens, ~${s.get('estimated_cost_usd', 0)}")
    if s.get("assistant"):
        a = s["assistant"]
        acc = a.get("test_accuracy")
        lines.append(f"  assistant   {a.get('checkpoint')}"
                     + (f" (held-out accuracy {acc:.3f})" if isinstance(acc, float) else ""))
    print("\n".join(lines))
