"""Speed and memory of the review app (``iqa-datagen browse``) on a 500,000-record dataset.

The dataset is synthesised from a built demo's record files without generating anything: every
demo row is repeated, with a new id, into files of the build's default size (2,000 rows, row
groups of 128), mixed so that every row group holds every task. Image columns keep each image's
name but carry one tiny shared PNG instead of the demo's pictures: 500K records with real images
would take ~75 GB, and a filter never reads image columns (only ``/image`` does, one column of
one row group, which is timed on the demo itself, with its real images).

The app runs as its own process (`iqa-datagen browse`); the script times HTTP requests to it
and reads the server's peak resident memory (VmHWM) at the end.

    python benchmarks/review.py [--demo DEMO_DIR] [--records 500000] [--out DIR] [--keep]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_FILE = 2000  # OutputSection.rows_per_file default
ROW_GROUP = 128  # OutputSection.row_group_size default
FILTERS = [
    ("no filter", {}),
    ("task = comparison_reasoning", {"task": "comparison_reasoning"}),
    ("task + setting + split", {"task": "assessment_reasoning", "setting": "no_reference",
                                "split": "test"}),
    ("distortion blur, level 3", {"category": "blur", "level": "3"}),
    ("verdict source = assistant", {"verdict_source": "assistant"}),
    ("text 'posterized'", {"text": "posterized"}),
    ("text + task (rare)", {"text": "lifeless", "task": "comparison_reasoning",
                            "split": "test"}),
    ("page 50 of comparison", {"task": "comparison_reasoning", "page": "50"}),
    ("no match (scans everything)", {"text": "no record says this", "task": "qa_expansion"}),
]


def build_demo(folder: Path) -> Path:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    subprocess.run([sys.executable, "-m", "iqa_datagen.cli", "build", "--out", str(folder),
                    "--no-progress", "--assistant.enabled", "false"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return folder


def _placeholder_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (128, 128, 128)).save(buf, format="PNG")
    return buf.getvalue()


def synthesise(demo: Path, out: Path, records: int) -> float:
    """Write ``records`` rows made from the demo's rows into ``out``; returns seconds."""
    from iqa_datagen.storage import list_data_files
    from iqa_datagen.storage.writer import IMAGE_COLUMNS, parquet_options, storage_schema

    started = time.perf_counter()
    schema = storage_schema()
    table = pa.concat_tables([pq.read_table(p, schema=schema) for p in list_data_files(demo)])
    png = _placeholder_png()
    for col in IMAGE_COLUMNS:
        cells = table.column(col).to_pylist()
        arr = pa.array([None if c is None else {"bytes": png, "path": c["path"]} for c in cells],
                       schema.field(col).type)
        table = table.set_column(schema.get_field_index(col), schema.field(col), arr)
    options = parquet_options(schema)
    splits = sorted(set(table.column("split").to_pylist()))
    total = table.num_rows
    for split in splits:
        part = table.filter(pa.compute.equal(table.column("split"), split))
        want = round(records * part.num_rows / total)
        folder = out / "data" / split
        folder.mkdir(parents=True, exist_ok=True)
        ids = part.column("id").to_pylist()
        for number, start in enumerate(range(0, want, ROWS_PER_FILE)):
            n = min(ROWS_PER_FILE, want - start)
            idx = pa.array([(start + i) % part.num_rows for i in range(n)])
            chunk = part.take(idx)
            new_ids = pa.array([f"{ids[(start + i) % part.num_rows]}-{(start + i):07d}"
                                for i in range(n)])
            chunk = chunk.set_column(0, schema.field("id"), new_ids)
            pq.write_table(chunk.replace_schema_metadata(schema.metadata),
                           folder / f"bench-{number:05d}.parquet", row_group_size=ROW_GROUP,
                           **options)
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``iqa-datagen browse`` in its own process."""

    def __init__(self, dataset: Path):
        self.port = _free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "iqa_datagen.cli", "browse",
                                      str(dataset), "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("browse did not start") from None
                time.sleep(0.1)

    def get(self, path: str, params: dict | None = None) -> tuple[float, bytes]:
        url = f"http://127.0.0.1:{self.port}{path}" + (f"?{urlencode(params)}" if params else "")
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=600) as r:
            body = r.read()
        return time.perf_counter() - started, body

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _image_urls(html: bytes) -> list[str]:
    import re

    return re.findall(r'src="(/image/[^"]+)"', html.decode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, help="a built dataset (default: build the demo)")
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--out", type=Path, help="where to write the synthetic dataset")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic dataset")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="review-bench-"))
    demo = args.demo or build_demo(work / "demo")
    out = args.out or work / "big"
    if not (out / "data").is_dir():
        print(f"synthesising {args.records:,} records in {out} ...", file=sys.stderr)
        seconds = synthesise(demo, out, args.records)
        print(f"  done in {seconds:.0f} s", file=sys.stderr)
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in out.glob("data/*/*.parquet"))
    size = sum(p.stat().st_size for p in out.glob("data/*/*.parquet")) / 2**20

    server = Server(out)
    try:
        print(f"\n{rows:,} records in {len(list(out.glob('data/*/*.parquet')))} files "
              f"({size:.0f} MiB, image columns hold a placeholder), CPUs: {os.cpu_count()}\n")
        print(f"| {'filter':<30} | first page (s) | total count (s) | matches |")
        print(f"| {'-' * 30} | ---: | ---: | ---: |")
        for name, params in FILTERS:
            page_s, _ = server.get("/", params)
            count_s, body = server.get("/api/count", {k: v for k, v in params.items()
                                                      if k != "page"})
            print(f"| {name:<30} | {page_s:.2f} | {count_s:.2f} | "
                  f"{json.loads(body)['count']:,} |")
        summary_s, _ = server.get("/summary")
        print(f"| {'summary page (full facet scan)':<30} | {summary_s:.2f} | | |")
        big_peak = server.peak_rss_mb()
    finally:
        server.stop()

    server = Server(demo)
    try:
        _, html = server.get("/", {"task": "comparison_reasoning"})
        urls = _image_urls(html)
        times = [server.get(u)[0] for u in urls]
        page_s = server.get("/", {"task": "comparison_reasoning", "setting": "full_reference"})[0]
    finally:
        server.stop()
    print(f"\nreal images (the demo, row groups of {ROW_GROUP}): {len(times)} images, "
          f"median {sorted(times)[len(times) // 2] * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms per image; a comparison page {page_s:.2f} s")
    print(f"server peak resident memory while browsing the {rows:,}-record dataset: "
          f"{big_peak:.0f} MB (target < 500 MB)")
    if not args.keep and args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    elif args.keep:
        print(f"kept {out}")


if __name__ == "__main__":
    main()
