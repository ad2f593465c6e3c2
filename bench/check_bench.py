"""Benchmark one full ``check`` pass over 1,000 policies (~50 KB of HTML each) served on loopback.

Run by hand: ``.venv/bin/python bench/check_bench.py [--policies 1000] [--concurrency 8] [--etag]``.

Three processes, so that none steals another's event loop or pollutes its memory figure:

* a **site** process: a minimal asyncio HTTP/1.1 server with keep-alive that answers from pre-built bytes
  (about 20 µs of CPU per request: it is not the bottleneck, see the ``server CPU`` figure printed);
  ``GET /__mutate?every=10`` changes every 10th page, ``--etag`` adds ETags (conditional GET → 304);
* a **pass** process per measured pass: imports policywatch, then times ``run_checks`` — the code path of
  ``policywatch check`` — and reports its own wall time and peak RSS (``ru_maxrss``);
* this driver, which starts the others and prints the figures.

Passes: populate (1,000 first versions, not a target), all unchanged, then 10 % changed. Targets: an
unchanged pass in at most 1.6 s and under 100 MB RSS (urlwatch needs ~3.3 s and 181 MB for the same).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET_SECONDS = 1.6
TARGET_RSS_MB = 100
PAGE_BYTES = 50_000

# -- the site process ----------------------------------------------------------------------------------


def build_pages(count: int) -> list[str]:
    """``count`` distinct policy pages of ~50 KB, built from the corpus seeds with per-page variations."""
    from tests.support.pages import policy_page, seed_names, seed_text

    seeds = [seed_text(name) for name in seed_names()]
    pages = []
    for index in range(count):
        parts, size, turn = [], 0, index
        while size < PAGE_BYTES * 0.8:
            text = seeds[turn % len(seeds)]
            parts.append(text)
            size += len(text)
            turn += 1
        head = f"# Privacy Policy of Company {index}\n\nContact privacy{index}@example.com.\n\n"
        body = head + "\n\n".join(parts)
        pages.append(policy_page(body, title=f"Company {index} privacy"))
    return pages


def mutate(page: str, generation: int) -> str:
    """A material edit: a new sharing clause right after the title."""
    clause = f"<p>Since revision {generation} we share your browsing history with advertising partners.</p>"
    return page.replace("</h1>", "</h1>" + clause, 1)


def _response(body: bytes, etag: str | None) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
    if etag:
        head += f'ETag: "{etag}"\r\n'
    return head.encode() + b"\r\n" + body


class Site:
    def __init__(self, pages: list[str], *, etag: bool) -> None:
        self.pages = pages
        self.etag = etag
        self.generation = 0
        self.responses: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        self._render()

    def _render(self) -> None:
        for index, page in enumerate(self.pages):
            path = f"/p/{index}"
            tag = f"{index}-{hash(page) & 0xFFFFFFFF:x}" if self.etag else None
            self.responses[path] = _response(page.encode(), tag)
            self.etags[path] = f'"{tag}"' if tag else ""

    def mutate(self, every: int) -> None:
        self.generation += 1
        for index in range(0, len(self.pages), every):
            self.pages[index] = mutate(self.pages[index], self.generation)
        self._render()

    def answer(self, target: str, headers: dict[str, str]) -> bytes:
        parts = urlsplit(target)
        if parts.path == "/__mutate":
            self.mutate(int(parse_qs(parts.query).get("every", ["10"])[0]))
            return _response(b"ok", None)
        if parts.path == "/__cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return _response(f"{usage.ru_utime + usage.ru_stime:.3f}".encode(), None)
        response = self.responses.get(parts.path)
        if response is None:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        if self.etag and headers.get("if-none-match") == self.etags[parts.path]:
            return f"HTTP/1.1 304 Not Modified\r\nETag: {self.etags[parts.path]}\r\n\r\n".encode()
        return response


async def _serve_connection(site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            writer.write(site.answer(target, headers))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def _serve(count: int, etag: bool) -> None:
    site = Site(build_pages(count), etag=etag)
    server = await asyncio.start_server(lambda r, w: _serve_connection(site, r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sizes = [len(r) for r in site.responses.values()]
    print(json.dumps({"port": port, "mean_bytes": sum(sizes) // len(sizes)}), flush=True)
    async with server:
        await server.serve_forever()


# -- the pass process ----------------------------------------------------------------------------------


async def _timed_pass(config: Path) -> dict[str, object]:
    from monitor.config import load_config
    from monitor.pipeline.chain import PipelineContext, run_checks
    from monitor.sources.fetch import Fetcher
    from storage import migrations, queries
    from storage.engine import make_engine, session_scope

    settings = load_config(config)
    engine = make_engine(settings.database_url)
    migrations.ensure_current(engine)
    rss_before = current_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        queries.sync_policies(session, settings)
    async with Fetcher(settings.fetch) as fetcher:
        ctx = PipelineContext(settings=settings, engine=engine, fetcher=fetcher, worker="bench")
        outcomes = await run_checks(ctx, settings.policies)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "rss_before_mb": rss_before, "outcomes": counts}


def current_rss_mb() -> float:
    """Resident memory now (Linux), to tell what the pass itself adds to what the imports hold."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * resource.getpagesize() / 2**20


def run_pass(config: Path) -> None:
    import_started = time.perf_counter()
    import monitor.pipeline.chain  # noqa: F401 - measured separately from the pass itself

    imports = time.perf_counter() - import_started
    result = asyncio.run(_timed_pass(config))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({**result, "imports": imports, "rss_mb": rss_mb}), flush=True)


# -- the driver ----------------------------------------------------------------------------------------


def write_config(folder: Path, port: int, count: int, concurrency: int) -> Path:
    lines = [
        "[storage]", f'url = "sqlite:///{folder / "bench.db"}"', "",
        "[fetch]", "per_host_interval = 0", "respect_robots = false", f"concurrency = {concurrency}",
        'timeout = "30s"', "",
    ]
    for index in range(count):
        lines += ["[[policies]]", f'name = "p{index:04d}"', f'url = "http://127.0.0.1:{port}/p/{index}"', ""]
    path = folder / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def measure(config: Path) -> dict[str, object]:
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, __file__, "--pass", str(config)], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def _get(port: int, target: str) -> str:
    import httpx

    return httpx.get(f"http://127.0.0.1:{port}{target}", timeout=30).text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--etag", action="store_true", help="serve ETags, so unchanged pages answer 304")
    parser.add_argument("--pass", dest="pass_config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pass_config is not None:
        run_pass(args.pass_config)
        return
    if args.serve:
        asyncio.run(_serve(args.policies, args.etag))
        return
    drive(args)


def drive(args: argparse.Namespace) -> None:
    from storage import migrations
    from storage.engine import make_engine

    serve_args = [sys.executable, __file__, "--serve", "--policies", str(args.policies)]
    if args.etag:
        serve_args.append("--etag")
    server = subprocess.Popen(serve_args, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        port = info["port"]
        with tempfile.TemporaryDirectory(prefix="policywatch-bench-") as folder:
            config = write_config(Path(folder), port, args.policies, args.concurrency)
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            migrations.upgrade(engine)
            engine.dispose()
            print(f"{args.policies} policies, {info['mean_bytes'] / 1000:.1f} KB per page on average, "
                  f"concurrency {args.concurrency}, ETags {'on' if args.etag else 'off'}")
            report("populate (first versions)", measure(config), port)
            report("unchanged pass", measure(config), port, target=True)
            _get(port, "/__mutate?every=10")
            report("10 % changed pass", measure(config), port)
            report("unchanged pass again", measure(config), port, target=True)
    finally:
        server.terminate()
        server.wait(10)


def report(label: str, result: dict[str, object], port: int, *, target: bool = False) -> None:
    figures = {key: float(value) for key, value in result.items() if isinstance(value, int | float)}
    seconds, rss = figures["seconds"], figures["rss_mb"]
    verdict = ""
    if target:
        ok = seconds <= TARGET_SECONDS and rss < TARGET_RSS_MB
        verdict = f"  [{'meets' if ok else 'MISSES'} target <= {TARGET_SECONDS} s, < {TARGET_RSS_MB} MB]"
    print(
        f"{label:26s} wall {seconds:6.2f} s  CPU {figures['cpu_seconds']:5.2f} s  peak RSS {rss:5.1f} MB"
        f"  {result['outcomes']}{verdict}\n{'':26s} (RSS {figures['rss_before_mb']:.1f} MB before the pass;"
        f" whole process {figures['process_seconds']:.2f} s, of which imports {figures['imports']:.2f} s;"
        f" site CPU so far {float(_get(port, '/__cpu')):.2f} s)"
    )


if __name__ == "__main__":
    main()
