"""The assistant comparison model: which of two distorted images is better, and how sure.

A compact siamese CNN gives each image a quality score (against its reference in the
full-reference setting, alone in the no-reference setting; one model per setting) and two images
are compared as P(A better) = sigmoid(s_A − s_B). It is trained from scratch on pairs made with
the distortion library (and, optionally, MOS pairs) and labels pairs for comparison reasoning and
instant rating.

Public API::

    AssistantConfig(...)                                   # pydantic settings
    train_assistant(config, references, out_dir, mos_pairs=None, resume=True) -> TrainReport
    load_assistant(path) -> Assistant                      # .compare(ref, a, b), .label(pairs)
    label_pairs(model, pairs, setting) -> [(winner, confidence)]
    keep_confident(pairs, verdicts, threshold)
    evaluate(judge, pairs) -> dict                         # accuracy, order consistency, calibration
"""

from .config import AssistantConfig
from .evaluation import (CONFIDENCE_EDGES, accuracy, accuracy_by_group, calibration_bins, evaluate,
                         expected_calibration_error, order_consistency, summarize,
                         verdicts_from_logits)
from .inference import Assistant, keep_confident, label_pairs, load_assistant
from .model import QualityNet, load_backbone
from .pairs import (QualityPair, both_orders, mos_pairs_to_quality_pairs, split_pairs,
                    split_references, synthetic_pairs)
from .references import Reference, builtin_references, load_references
from .training import TrainReport, build_pairs, train_assistant

__all__ = [
    "CONFIDENCE_EDGES", "Assistant", "AssistantConfig", "QualityNet", "QualityPair", "Reference",
    "TrainReport", "accuracy", "accuracy_by_group", "both_orders", "build_pairs",
    "builtin_references", "calibration_bins", "evaluate", "expected_calibration_error",
    "keep_confident", "label_pairs", "load_assistant", "load_backbone", "load_references",
    "mos_pairs_to_quality_pairs", "order_consistency", "split_pairs", "split_references",
    "summarize", "synthetic_pairs", "train_assistant", "verdicts_from_logits",
]
