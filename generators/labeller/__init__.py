"""A zero-shot quality labeller: an LLM scores each image on a seven-word standard, as a whole
and as object-centred sub-images, several times; the answers give a score, its spread and the
model's instability per image (``iqa-datagen label``). The CSV it writes is a MOS source."""

from .aggregate import final_score, instability, local_score
from .output import COLUMNS, run_report, write_labels_csv, write_report
from .prompt import LABELLER_PROMPT_VERSION, LEVELS, STANDARD, read_score
from .run import ImageLabel, LabelConfig, RatingJob, label_images
from .segments import Segmentation, Unit, segment

__all__ = [
    "COLUMNS", "ImageLabel", "LABELLER_PROMPT_VERSION", "LEVELS", "LabelConfig", "RatingJob",
    "STANDARD", "Segmentation", "Unit", "final_score", "instability", "label_images",
    "local_score", "read_score", "run_report", "segment", "write_labels_csv", "write_report",
]
