"""Dataset storage: Parquet record files, resumable parts, manifest, card, statistics, exports.

Layout (see ``layout``): ``data/{split}/{stem}-{index:05d}.parquet`` under the dataset folder,
loadable with ``datasets.load_dataset(folder)`` or
``load_dataset("parquet", data_files={"train": "data/train/*.parquet", ...})``.

Names are imported from their modules on first use, so that a command which only takes a
folder's lock (``storage.lock``) does not pay for pyarrow, the card and the statistics.
"""

from __future__ import annotations

from iqa_datagen.lazy import lazy_exports

_EXPORTS = {
    "SchemaVersionError": "iqa_datagen.schemas",
    "write_card": ".card",
    "export_dataset": ".export",
    **dict.fromkeys(("CARD_NAME", "DATA_DIR", "MANIFEST_NAME", "PARTS_DIR", "STATS_DIR",
                     "StorageError", "list_data_files", "list_splits", "read_manifest"), ".layout"),
    **dict.fromkeys(("build_manifest", "is_secret_key", "redact",
                     "verify_manifest", "write_manifest"), ".manifest"),
    **dict.fromkeys(("check_file", "count_rows", "data_files", "iter_batches", "open_dataset",
                     "read_records", "read_table"), ".reader"),
    "dataset_stats": ".stats",
    **dict.fromkeys(("FileInfo", "PartInfo", "RecordWriter", "clean_incomplete", "list_parts",
                     "part_done", "part_files", "read_part", "remove_part", "rewrite_part",
                     "write_part", "write_records"), ".writer"),
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
