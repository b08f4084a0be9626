"""The review web app: records as cards with filters, marks, and a summary page (Starlette).

Meant for one machine: ``serve`` binds to loopback unless told otherwise and then accepts only
loopback host names (so a web page cannot reach it through DNS rebinding); forms that change
anything carry a per-process token (so another site cannot post marks). Every piece of dataset
text goes through Jinja's autoescaping, and the page forbids inline scripts, so an LLM response
holding ``<script>`` is shown as text. Files are served only from the dataset's ``stats/``
folder, after resolving the path (links included) and checking that it stays inside.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from pathlib import Path
from typing import Callable, Optional, get_args
from urllib.parse import parse_qs, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (FileResponse, JSONResponse, PlainTextResponse, RedirectResponse,
                                 Response)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from iqa_datagen.schemas import SETTINGS
from iqa_datagen.schemas.record import ResponseKind
from iqa_datagen.storage import StorageError, read_manifest
from iqa_datagen.storage.layout import STATS_DIR, ordered_splits, relative
from iqa_datagen.storage.writer import IMAGE_COLUMNS

from .marks import append_mark, latest_marks, read_marks
from .query import DatasetView, Query

HERE = Path(__file__).parent
logger = logging.getLogger(__name__)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; "
                               "script-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PROBLEM_FOLDERS = ("rejects", "quarantine")
EXAMPLES_SHOWN = 20
MAX_FORM_BYTES = 16 << 10
IMAGE_TITLES = {"image_ref": "Reference", "image_a": "Image A", "image_b": "Image B"}
KNOWN_COLUMNS = frozenset({
    "id", "task", "setting", "split", "response_kind", "reference_id", "reference_group",
    "sample_key", "question", "response", "conversations", "distortions_a", "distortions_b",
    "multi_distortion", "verdict", "source_record_id", "provenance", "file_index",
    "image_names"})


def safe_file(root: Path, relative: str, folder: str = STATS_DIR) -> Optional[Path]:
    """``root/relative`` when it is a file inside ``root/folder`` after resolving '..' and links;
    None otherwise (absolute paths, traversal, hidden names, anything outside)."""
    if not relative or "\x00" in relative or relative.startswith(("/", "\\")):
        return None
    base = (root / folder).resolve()
    try:
        target = (base / relative).resolve()
        target.relative_to(base)
    except (ValueError, OSError):
        return None
    if any(part.startswith(".") for part in target.relative_to(base).parts):
        return None
    return target if target.is_file() else None


def safe_next(url: Optional[str]) -> str:
    """A redirect target on this site only (a path, never '//host' or 'scheme:')."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


def _count_lines(folder: Path) -> tuple[int, list[dict]]:
    total, examples = 0, []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                total += 1
                if len(examples) < EXAMPLES_SHOWN:
                    try:
                        examples.append(json.loads(line))
                    except ValueError:
                        examples.append({"unreadable line": line[:500]})
    return total, examples


class ReviewApp:
    """Handlers over one dataset folder."""

    def __init__(self, dataset_dir: Path | str):
        self.view = DatasetView(dataset_dir)
        self.root = self.view.root
        self.token = secrets.token_urlsafe(24)
        self._facets: Optional[dict] = None
        # The exact filter choices need a scan of every file (seconds at 500K records): it runs
        # in the background while pages use the vocabularies known without one.
        self._facet_scan = threading.Thread(target=self._scan_facets, daemon=True,
                                            name="review-facets")
        self._facet_scan.start()
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                 autoescape=True, undefined=jinja2.StrictUndefined)
        env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=1, ensure_ascii=False,
                                                            default=str)
        self.templates = Jinja2Templates(env=env)

    def _scan_facets(self) -> None:
        try:
            self._facets = self.view.facets()
        except Exception:  # a file that became unreadable: pages keep the fallback choices
            logger.exception("review: scanning filter choices failed")

    def choices(self, q: Query) -> dict[str, list]:
        """Values offered per filter: the scanned ones once ready, else the known vocabularies
        (plus whatever the query already selects)."""
        if self._facets is not None:
            values = dict(self._facets["values"])
        else:
            from iqa_datagen.tasks import TASKS

            values = {"task": list(TASKS.record_tasks()), "setting": list(SETTINGS),
                      "split": self.view.splits,
                      "response_kind": list(get_args(ResponseKind)),
                      "category": self._card_categories(), "verdict_source": []}
        for name in ("task", "setting", "split", "response_kind", "category", "verdict_source",
                     "stage", "score_level"):
            current = getattr(q, name)
            values.setdefault(name, [])
            if current is not None and str(current) not in map(str, values[name]):
                values[name] = sorted([*values[name], current])
        return values

    def _card_categories(self) -> list[str]:
        try:
            stats = json.loads((self.root / STATS_DIR / "stats.json").read_text())
            return sorted(stats["distortions"]["per_category"])
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def table_counts(self) -> tuple[dict[tuple, int], int]:
        """{(split, task, setting): records} and the total: the manifest's when it lists exactly
        the files present, else a scan."""
        try:
            manifest = read_manifest(self.root)
            listed = {f["path"] for f in manifest["files"]}
            if listed == {relative(self.root, p) for p in self.view.files}:
                counts = {(split, task, setting): cell["total"]
                          for split, tasks in manifest["counts"].items()
                          for task, settings in tasks.items()
                          for setting, cell in settings.items()}
                return counts, sum(counts.values())
        except (StorageError, KeyError, TypeError):
            pass
        self._facet_scan.join()
        facets = self._facets or self.view.facets()
        return ({tuple(k.split("\t")): n for k, n in facets["counts"].items()}, facets["rows"])

    def _marks(self) -> dict[str, dict]:
        return latest_marks(self.root)

    def render(self, request: Request, name: str, status: int = 200, **context) -> Response:
        context.update(dataset=self.root.name, token=self.token,
                       optional=sorted(self.view.optional))
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def error(self, request: Request, message: str, status: int = 400) -> Response:
        return self.render(request, "error.html", status=status, message=message)

    # -- pages ------------------------------------------------------------------------------

    async def records(self, request: Request) -> Response:
        try:
            q = Query.from_params(request.query_params)
            marks = self._marks()
            page = self.view.page(q, {k: v["mark"] for k, v in marks.items()})
        except StorageError as exc:
            return self.error(request, str(exc))
        cards = []
        for row in page.records:
            extra = {k: v for k, v in row.items() if k not in KNOWN_COLUMNS}
            images = [(IMAGE_TITLES[col], name, f"/image/{row['file_index']}/{row['id']}/{col}")
                      for col, name in row["image_names"].items()]
            cards.append({"row": row, "images": images, "extra": extra,
                          "mark": marks.get(row["id"])})
        here = request.url.path + ("?" + request.url.query if request.url.query else "")
        link = lambda **change: "/?" + urlencode(q.params(**change))  # noqa: E731
        return self.render(request, "records.html", q=q, cards=cards, page=page,
                           facets=self.choices(q), here=here,
                           count_url="/api/count?" + urlencode(q.params(page=None)),
                           prev_url=link(page=q.page - 1) if q.page > 0 else None,
                           next_url=link(page=q.page + 1) if page.has_next else None,
                           zoom_urls=[(z, link(zoom=z)) for z in (1, 2, 4)])

    async def count(self, request: Request) -> Response:
        try:
            q = Query.from_params(request.query_params)
            marks = {k: v["mark"] for k, v in self._marks().items()}
            return JSONResponse({"count": self.view.count(q, marks)})
        except StorageError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    async def image(self, request: Request) -> Response:
        params = request.path_params
        column = params["column"]
        if column not in IMAGE_COLUMNS:
            return PlainTextResponse("no such image", status_code=404)
        data = self.view.image(params["file_index"], params["record_id"], column)
        if data is None:
            return PlainTextResponse("no such image", status_code=404)
        return Response(data, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})

    async def mark(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return self.error(request, "form too large", status=413)
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not secrets.compare_digest(str(form.get("token", "")), self.token):
            return self.error(request, "the form is stale or came from another site; reload "
                              "the page and mark again", status=403)
        record_id = str(form.get("id", ""))
        if not record_id or not self.view.has_record(record_id):
            return self.error(request, f"record {record_id!r}: not in this dataset", 404)
        try:
            append_mark(self.root, record_id, str(form.get("mark", "")),
                        str(form.get("reason", "")))
        except StorageError as exc:
            return self.error(request, str(exc))
        return RedirectResponse(safe_next(str(form.get("next", ""))) + f"#r-{record_id}",
                                status_code=303)

    async def summary(self, request: Request) -> Response:
        counts, total = self.table_counts()
        splits = ordered_splits({s for s, _, _ in counts})
        rows = sorted({(t, st) for _, t, st in counts})
        plots = sorted(p.name for p in (self.root / STATS_DIR).glob("*.png"))
        problems = {name: _count_lines(self.root / name)[0] for name in PROBLEM_FOLDERS}
        marks = self._marks()
        mark_counts = {m: sum(1 for e in marks.values() if e["mark"] == m) for m in ("bad", "good")}
        return self.render(request, "summary.html", splits=splits, rows=rows, counts=counts,
                           total=total, plots=plots, problems=problems,
                           mark_counts=mark_counts, files=len(self.view.files))

    async def problems(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in PROBLEM_FOLDERS:
            return self.error(request, f"{name!r}: not a problem list", 404)
        total, examples = _count_lines(self.root / name)
        return self.render(request, "problems.html", name=name, total=total, examples=examples)

    async def marks_page(self, request: Request) -> Response:
        return self.render(request, "marks.html", marks=list(reversed(read_marks(self.root)))[:200])

    async def stats_file(self, request: Request) -> Response:
        path = safe_file(self.root, request.path_params["path"])
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path)


async def _security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    return response


def create_app(dataset_dir: Path | str, allowed_hosts: Optional[list[str]] = None) -> Starlette:
    """The app for one dataset folder; ``allowed_hosts`` limits the Host header (None: any)."""
    from starlette.middleware.base import BaseHTTPMiddleware

    review = ReviewApp(dataset_dir)
    routes = [
        Route("/", review.records),
        Route("/summary", review.summary),
        Route("/marks", review.marks_page),
        Route("/problems/{name}", review.problems),
        Route("/api/count", review.count),
        Route("/image/{file_index:int}/{record_id}/{column}", review.image),
        Route("/mark", review.mark, methods=["POST"]),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/files/stats/{path:path}", review.stats_file),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(BaseHTTPMiddleware, dispatch=_security_headers)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.review = review
    return app


def serve(dataset_dir: Path | str, host: str = "127.0.0.1", port: int = 8765,
          log_level: str = "warning", announce: Optional[Callable[[], None]] = None) -> None:
    """Run the app with uvicorn until interrupted; ``announce`` runs once the dataset opened."""
    import uvicorn

    loopback = host in LOOPBACK_HOSTS
    app = create_app(dataset_dir, allowed_hosts=list(LOOPBACK_HOSTS) if loopback else None)
    check_port(host, port)
    if announce is not None:
        announce()
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, an address the app could not listen on (a port in use: uvicorn
    would print its own error and exit with a code of its own)."""
    import socket

    from iqa_datagen.config import ConfigError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        raise ConfigError(f"--host {host} --port {port}: cannot listen there "
                          f"({exc.strerror or exc}); choose another --port") from None


__all__ = ["LOOPBACK_HOSTS", "check_port", "create_app", "safe_file", "safe_next", "serve"]
