"""Dataset storage: Parquet record files, resumable parts, manifest, card, statistics, exports.

Layout (see ``layout``): ``data/{split}/{stem}-{index:05d}.parquet`` under the dataset folder,
loadable with ``datasets.load_dataset(folder)`` or
``load_dataset("parquet", data_files={"train": "data/train/*.parquet", ...})``.
"""

from iqa_datagen.schemas import SchemaVersionError

from .card import write_card
from .export import export_dataset
from .layout import (CARD_NAME, DATA_DIR, MANIFEST_NAME, PARTS_DIR, STATS_DIR, StorageError,
                     list_data_files, list_splits)
from .manifest import (build_manifest, is_secret_key, read_manifest, redact, verify_manifest,
                       write_manifest)
from .reader import (check_file, count_rows, data_files, iter_batches, open_dataset,
                     read_records, read_table)
from .stats import dataset_stats
from .writer import (FileInfo, PartInfo, RecordWriter, clean_incomplete, list_parts, part_done,
                     part_files, read_part, remove_part, rewrite_part,
                     write_part,
                     write_records)

__all__ = [
    "CARD_NAME", "DATA_DIR", "MANIFEST_NAME", "PARTS_DIR", "STATS_DIR",
    "FileInfo", "PartInfo", "SchemaVersionError", "RecordWriter", "StorageError",
    "build_manifest", "check_file", "clean_incomplete", "count_rows", "data_files",
    "dataset_stats", "export_dataset", "is_secret_key", "iter_batches", "list_data_files",
    "list_parts", "list_splits", "open_dataset", "part_done", "part_files", "remove_part",
    "rewrite_part", "read_manifest", "read_part",
    "read_records", "read_table", "redact", "verify_manifest", "write_card", "write_manifest",
    "write_part", "write_records",
]
