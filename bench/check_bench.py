"""Benchmark whole ``check`` passes over 1,000 loopback policy pages, beside urlwatch 2.29, in one run.

Run by hand::

    .venv/bin/python bench/check_bench.py [--policies 1000] [--same-bytes] [--urlwatch PATH] [--profile]

The pages are real policy text (tests/fixtures/corpus: the seeds, the histories and the Open Terms
Archive pairs, ODC-BY) inside realistic boilerplate, 20–48 KB of HTML each. As on real sites, every
fetch carries a fresh nonce: a CSRF ``<meta>``, a ``<script nonce>``, a hidden form field and a
cache-busting ``?v=`` in the body, so the body-hash shortcut never hits; ``--same-bytes`` serves
identical bytes on every fetch instead (the old benchmark's case).

Three kinds of process, so that none steals another's event loop or pollutes its memory figure:

* a **site** process (asyncio HTTP/1.1, keep-alive, pre-built pages; ``GET /__mutate?every=10``
  adds a material clause to every 10th page);
* one **pass** process per measured policywatch pass: it runs the pipeline's pass (what
  ``policywatch check`` runs) and reports wall time, CPU, transactions and peak RSS;
* one **urlwatch** process per urlwatch pass, on the same URLs, with its cache in a temporary folder and
  every reporter off.

Passes, each for policywatch then urlwatch: populate (first versions, not a target), unchanged, 10 %
changed. Wall time and peak RSS are whole-process figures (``wait4``) for both tools, so the ratios
compare like with like. Targets: unchanged pass ≥ 2× faster than urlwatch; 10 %-changed pass no slower
than urlwatch; peak RSS ≤ 100 MB in both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MIN_PAGE, MAX_PAGE = 20_000, 48_000
TARGET_UNCHANGED_SPEEDUP = 2.0
TARGET_CHANGED_SPEEDUP = 1.0
TARGET_RSS_MB = 100
NONCE = "@@NONCE@@"

# -- the pages -----------------------------------------------------------------------------------------


def corpus_paragraphs() -> list[list[str]]:
    """Every policy text of the test corpus, as lists of Markdown paragraphs."""
    corpus = REPO / "tests" / "fixtures" / "corpus"
    texts = []
    for path in sorted([*corpus.rglob("*.md"), *corpus.rglob("*.txt")]):
        if path.name == "README.md":
            continue
        paragraphs = [
            piece.strip()
            for paragraph in path.read_text(encoding="utf-8").split("\n\n")
            for piece in (paragraph.split("\n") if len(paragraph) > 2000 else [paragraph])
            if piece.strip()
        ]
        if sum(map(len, paragraphs)) > 3000:
            texts.append(paragraphs)
    return texts


def with_nonces(page: str, index: int) -> str:
    """Put the per-fetch nonce where real sites put theirs (head, scripts, forms, asset URLs)."""
    page = page.replace(
        '<meta charset="utf-8">',
        f'<meta charset="utf-8">\n<meta name="csrf-token" content="{NONCE}">'
        f'\n<script nonce="{NONCE}">window.__state = {{"session": "{NONCE}"}};</script>',
        1,
    )
    form = (
        f'<form action="/prefs" method="post"><input type="hidden" name="csrf" value="{NONCE}">'
        f'<img src="/pixel.gif?v={NONCE}" alt=""></form>'
    )
    page = page.replace("</footer>", form + "</footer>", 1)
    return page.replace("/static/app.js", f"/static/app.js?v={NONCE}")


def build_pages(count: int) -> list[str]:
    """``count`` distinct pages of 20–48 KB from the corpus, each with its nonce placeholders."""
    from tests.support.pages import policy_page

    texts = corpus_paragraphs()
    pages = []
    for index in range(count):
        rng = random.Random(index)
        target = rng.randint(MIN_PAGE, MAX_PAGE)
        source = texts[index % len(texts)]
        start = rng.randrange(len(source))
        parts = [f"# Privacy Policy of Company {index}", f"Contact privacy{index}@example.com."]
        turn = start
        while sum(map(len, parts)) * 1.08 + 3000 < target:
            parts.append(source[turn % len(source)])
            turn += 1
        page = with_nonces(policy_page("\n\n".join(parts), title=f"Company {index} privacy"), index)
        while len(page.encode()) < MIN_PAGE:
            parts.append(source[turn % len(source)])
            turn += 1
            page = with_nonces(policy_page("\n\n".join(parts), title=f"Company {index} privacy"), index)
        while len(page.encode()) > MAX_PAGE and len(parts) > 3:
            parts.pop()
            page = with_nonces(policy_page("\n\n".join(parts), title=f"Company {index} privacy"), index)
        pages.append(page)
    return pages


def mutate(page: str, generation: int) -> str:
    """A material edit: a new sharing clause right after the title."""
    clause = f"<p>Since revision {generation} we share your browsing history with advertising partners.</p>"
    return page.replace("</h1>", "</h1>" + clause, 1)


# -- the site process ----------------------------------------------------------------------------------


class Site:
    def __init__(self, pages: list[str], *, same_bytes: bool) -> None:
        self.pages, self.same_bytes, self.generation = pages, same_bytes, 0
        self.parts: dict[str, list[bytes]] = {}
        self._render()

    def _render(self) -> None:
        for index, page in enumerate(self.pages):
            self.parts[f"/p/{index}"] = [part.encode() for part in page.split(NONCE)]

    def mutate(self, every: int) -> None:
        self.generation += 1
        for index in range(0, len(self.pages), every):
            self.pages[index] = mutate(self.pages[index], self.generation)
        self._render()

    def answer(self, target: str) -> bytes:
        parts = urlsplit(target)
        if parts.path == "/__mutate":
            self.mutate(int(parse_qs(parts.query).get("every", ["10"])[0]))
            return _response(b"ok")
        if parts.path == "/__cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return _response(f"{usage.ru_utime + usage.ru_stime:.3f}".encode())
        pieces = self.parts.get(parts.path)
        if pieces is None:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        nonce = b"0" * 32 if self.same_bytes else os.urandom(16).hex().encode()
        return _response(nonce.join(pieces))


def _response(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _serve_connection(site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            writer.write(site.answer(head.split(b" ", 2)[1].decode("latin-1")))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(count: int, same_bytes: bool) -> None:
    site = Site(build_pages(count), same_bytes=same_bytes)
    server = await asyncio.start_server(lambda r, w: _serve_connection(site, r, w), "127.0.0.1", 0)
    sizes = [sum(map(len, parts)) for parts in site.parts.values()]
    info = {"port": server.sockets[0].getsockname()[1], "min": min(sizes), "max": max(sizes),
            "mean": sum(sizes) // len(sizes)}
    print(json.dumps(info), flush=True)
    async with server:
        await server.serve_forever()


# -- the policywatch pass process ----------------------------------------------------------------------


def count_transactions(engine: object) -> dict[str, int]:
    """Count transactions (BEGIN) and those that wrote something (an INSERT/UPDATE/DELETE)."""
    import sqlalchemy as sa

    counts = {"transactions": 0, "writes": 0}
    writing: set[int] = set()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        counts["transactions"] += 1

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _execute(connection: sa.Connection, _c: object, statement: str, *_args: object) -> None:
        if statement.lstrip()[:6].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writing.add(id(connection))

    @sa.event.listens_for(engine, "commit")
    def _commit(connection: sa.Connection) -> None:
        if id(connection) in writing:
            counts["writes"] += 1
            writing.discard(id(connection))

    return counts


async def _timed_pass(config: Path) -> dict[str, object]:
    from monitor.config import load_config
    from monitor.pipeline.chain import Pipeline
    from monitor.sources.fetch import Fetcher
    from storage import migrations, queries
    from storage.engine import make_engine, session_scope

    settings = load_config(config)
    engine = make_engine(settings.database_url)
    migrations.ensure_current(engine)
    counts = count_transactions(engine)
    rss_before = current_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    async with Fetcher(settings.fetch) as fetcher:
        outcomes = await Pipeline(settings, engine, fetcher, worker="bench").check_all(settings.policies)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    tally: dict[str, int] = {}
    for outcome in outcomes:
        tally[outcome.outcome] = tally.get(outcome.outcome, 0) + 1
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "outcomes": tally, "rss_before_mb": rss_before,
            **counts}


def current_rss_mb() -> float:
    """Resident memory now (Linux): what the imports and set-up hold before the pass starts."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * resource.getpagesize() / 2**20


def run_pass(config: Path, profile: Path | None) -> None:
    if profile is None:
        result = asyncio.run(_timed_pass(config))
    else:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(asyncio.run, _timed_pass(config))
        profiler.dump_stats(profile)
    print(json.dumps(result), flush=True)


# -- the driver ----------------------------------------------------------------------------------------


@dataclass
class Figures:
    wall: float
    rss_mb: float
    detail: dict[str, object]


def timed_process(args: list[str]) -> tuple[Figures, str]:
    """Run a process to its end: whole-process wall time, its own peak RSS (``wait4``), its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{args[0]} failed ({process.returncode}):\n{err.read()[-3000:]}")
        return Figures(wall, usage.ru_maxrss / 1024, {}), out.read()


def policywatch_pass(config: Path, profile: Path | None) -> Figures:
    args = [sys.executable, __file__, "--pass", str(config)]
    if profile is not None:
        args += ["--profile-to", str(profile)]
    figures, out = timed_process(args)
    figures.detail = json.loads(out.strip().splitlines()[-1])
    return figures


def urlwatch_pass(urlwatch: str, folder: Path) -> Figures:
    figures, _out = timed_process(
        [urlwatch, "--urls", str(folder / "urls.yaml"), "--config", str(folder / "urlwatch.yaml"),
         "--cache", str(folder / "cache.db"), "--hooks", str(folder / "hooks.py")]
    )
    return figures


def write_configs(folder: Path, port: int, count: int, concurrency: int) -> Path:
    lines = [
        "[storage]", f'url = "sqlite:///{folder / "bench.db"}"', "",
        "[fetch]", "per_host_interval = 0", "respect_robots = false", f"concurrency = {concurrency}",
        'timeout = "30s"', "",
    ]
    urls = []
    for index in range(count):
        url = f"http://127.0.0.1:{port}/p/{index}"
        lines += ["[[policies]]", f'name = "p{index:04d}"', f'url = "{url}"', ""]
        urls.append(f"name: p{index:04d}\nurl: {url}\n")
    (folder / "urls.yaml").write_text("---\n".join(urls), encoding="utf-8")
    (folder / "urlwatch.yaml").write_text(
        "display: {new: false, error: true, unchanged: false, empty-diff: false}\n"
        "report: {stdout: {enabled: false}, email: {enabled: false}}\n",
        encoding="utf-8",
    )
    (folder / "hooks.py").write_text("", encoding="utf-8")
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def find_urlwatch(given: str | None) -> str:
    for candidate in (given, shutil.which("urlwatch"), str(REPO / ".venv-urlwatch/bin/urlwatch")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("urlwatch not found: pip install urlwatch==2.29 (in a venv), then pass --urlwatch PATH")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--same-bytes", action="store_true", help="identical bytes on every fetch (no nonce)")
    parser.add_argument("--urlwatch", help="the urlwatch 2.29 executable (default: on PATH)")
    parser.add_argument("--profile", action="store_true", help="cProfile the policywatch passes")
    parser.add_argument("--pass", dest="pass_config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pass_config is not None:
        run_pass(args.pass_config, args.profile_to)
    elif args.serve:
        asyncio.run(_serve(args.policies, args.same_bytes))
    else:
        drive(args)


def drive(args: argparse.Namespace) -> None:
    from storage import migrations
    from storage.engine import make_engine

    urlwatch = find_urlwatch(args.urlwatch)
    serve = [sys.executable, __file__, "--serve", "--policies", str(args.policies)]
    if args.same_bytes:
        serve.append("--same-bytes")
    server = subprocess.Popen(serve, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="policywatch-bench-") as name:
            folder = Path(name)
            config = write_configs(folder, info["port"], args.policies, args.concurrency)
            engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
            migrations.upgrade(engine)
            engine.dispose()
            print(f"{args.policies} pages of {info['min'] / 1000:.1f}–{info['max'] / 1000:.1f} KB "
                  f"(mean {info['mean'] / 1000:.1f} KB), "
                  f"{'identical bytes' if args.same_bytes else 'fresh nonce'}"
                  f" on every fetch, concurrency {args.concurrency}; urlwatch: {urlwatch}")
            results = {}
            for label in ("populate", "unchanged", "10% changed"):
                if label == "10% changed":
                    _get(info["port"], "/__mutate?every=10")
                profile = folder / f"{label[:3]}.prof" if args.profile else None
                ours, theirs = policywatch_pass(config, profile), urlwatch_pass(urlwatch, folder)
                results[label] = (ours, theirs)
                report(label, ours, theirs, args.policies)
                if profile is not None:
                    print_profile(profile)
            verdict(results)
    finally:
        server.terminate()
        server.wait(10)


def _get(port: int, target: str) -> str:
    import httpx

    return httpx.get(f"http://127.0.0.1:{port}{target}", timeout=30).text


def report(label: str, ours: Figures, theirs: Figures, count: int) -> None:
    detail = ours.detail
    cpu = float(detail["cpu_seconds"])  # type: ignore[arg-type]
    print(
        f"{label:12s} policywatch {ours.wall:6.2f} s {ours.rss_mb:6.1f} MB | urlwatch {theirs.wall:6.2f} s "
        f"{theirs.rss_mb:6.1f} MB | speed-up {theirs.wall / ours.wall:4.2f}x\n"
        f"{'':12s} in-process pass {float(detail['seconds']):.2f} s, CPU {cpu:.2f} s "  # type: ignore[arg-type]
        f"({cpu / count * 1000:.2f} ms/page), {detail['transactions']} transactions "
        f"({detail['writes']} writing), outcomes {detail['outcomes']}; "
        f"RSS {float(detail['rss_before_mb']):.1f} MB before the pass"  # type: ignore[arg-type]
    )


def verdict(results: dict[str, tuple[Figures, Figures]]) -> None:
    unchanged, changed = results["unchanged"], results["10% changed"]
    checks = [
        (f"unchanged ≥ {TARGET_UNCHANGED_SPEEDUP:g}x urlwatch", unchanged[1].wall / unchanged[0].wall
         >= TARGET_UNCHANGED_SPEEDUP),
        ("10% changed no slower than urlwatch", changed[1].wall / changed[0].wall >= TARGET_CHANGED_SPEEDUP),
        (f"peak RSS ≤ {TARGET_RSS_MB} MB", max(unchanged[0].rss_mb, changed[0].rss_mb) <= TARGET_RSS_MB),
    ]
    for name, ok in checks:
        print(f"target {name}: {'met' if ok else 'MISSED'}")


def print_profile(path: Path) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
