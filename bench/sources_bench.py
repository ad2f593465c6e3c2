"""Benchmark of the non-HTML sources: PDF extraction per page, and the headless browser's time and memory.

Run by hand: ``.venv/bin/python bench/sources_bench.py [--pages N] [--renders N]``.

* PDF: a real-size policy PDF (running header, "Page N of M" footer, bold headings, wrapped paragraphs;
  ~12 pages) extracted by ``monitor.core.pdf.pdf_to_text``, beside pypdf's own ``extract_text()`` (the
  same parser, no structure: the cost of headings, paragraphs and header removal is the difference) and
  poppler's ``pdftotext`` when it is installed. CPU time, best of 3.
* Browser: ``--renders`` loads of a script-rendered policy from a loopback site through the shared
  ``BrowserPool`` (``browser.concurrency`` pages at once, default settings otherwise), while a thread
  samples the resident memory of every Chromium process every 50 ms. Peer: the static fetch of the same
  URL. Each render's page body differs (a fresh nonce), as real pages do.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from monitor.config import BrowserSettings, FetchSettings  # noqa: E402
from monitor.core.pdf import pdf_to_text  # noqa: E402
from monitor.sources.browser import BrowserPool  # noqa: E402
from monitor.sources.fetch import Fetcher  # noqa: E402
from tests.support.pdfs import policy_pdf  # noqa: E402
from tests.support.procs import chromium_pids, pss_bytes, rss_bytes  # noqa: E402
from tests.support.site import LoopbackSite, RecordedRequest, Response  # noqa: E402
from tests.support.spa import APP_JS, SHELL, serve_spa  # noqa: E402

MB = 1024 * 1024


def best_cpu(function: object, repeats: int = 3) -> float:
    assert callable(function)
    times = []
    for _ in range(repeats):
        started = time.process_time()
        function()
        times.append(time.process_time() - started)
    return min(times)


def bench_pdf(repeat: int) -> None:
    body = policy_pdf(repeat=repeat)
    pages = len(PdfReader(io.BytesIO(body)).pages)
    ours = best_cpu(lambda: pdf_to_text(body))
    plain = best_cpu(lambda: [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages])
    print(f"PDF: {pages} pages, {len(body) / 1024:.0f} KB, {len(pdf_to_text(body)):,} characters of text")
    print(f"  policywatch pdf_to_text     {ours / pages * 1000:6.1f} ms/page  ({ours * 1000:.0f} ms)")
    print(f"  pypdf extract_text (plain)  {plain / pages * 1000:6.1f} ms/page  ratio {ours / plain:.2f}x")
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(body)
            handle.flush()
            started = time.perf_counter()
            subprocess.run(["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True)
            wall = time.perf_counter() - started
        print(f"  poppler pdftotext (process) {wall / pages * 1000:6.1f} ms/page wall")


class Sampler(threading.Thread):
    """Samples the summed RSS of this process's Chromium processes; keeps the peak."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            pids = chromium_pids()
            total = rss_bytes(pids)
            if total > self.peak:
                self.peak, self.peak_processes = total, len(pids)
            self.peak_pss = max(self.peak_pss, pss_bytes(pids))
            self.stopping.wait(0.05)


def own_rss() -> int:
    return rss_bytes([os.getpid()])


async def bench_browser(renders: int, concurrency: int) -> None:
    with LoopbackSite() as site:
        serve_spa(site)
        counter = iter(range(10**9))

        def shell(_request: RecordedRequest) -> Response:
            nonce = next(counter)
            body = SHELL.replace("</body>", f"<!-- nonce {nonce} --></body>").encode()
            return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})

        site.handle("/privacy", shell)
        site.set("/app.js", APP_JS.replace("}, 300);", "}, 50);"), content_type="application/javascript")
        settings = BrowserSettings(concurrency=concurrency)
        sampler = Sampler()
        sampler.start()
        before = own_rss()
        pool = BrowserPool(settings, user_agent="policywatch-bench")
        started = time.perf_counter()
        try:
            await asyncio.gather(*(pool.render(site.url("/privacy")) for _ in range(renders)))
        finally:
            elapsed = time.perf_counter() - started
            await pool.close()
            sampler.stopping.set()
            sampler.join()
        fetch_settings = FetchSettings(per_host_interval=0, respect_robots=False)
        async with Fetcher(fetch_settings) as fetcher:
            static_started = time.perf_counter()
            for _ in range(renders):
                await fetcher.fetch(site.url("/privacy"))
            static = time.perf_counter() - static_started
    print(f"Browser: {renders} renders, concurrency {concurrency}, {pool.launches} launch(es)")
    print(f"  rendered   {elapsed / renders * 1000:7.1f} ms/page wall ({renders / elapsed:.1f} pages/s)")
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"  static GET {static / renders * 1000:7.1f} ms/page wall; ratio {elapsed / max(static, 1e-9):.0f}x"
    )
    print(
        f"  Chromium peak RSS {sampler.peak / MB:.0f} MB summed over {sampler.peak_processes} processes "
        f"(shared pages counted in each, as ps does); peak PSS {sampler.peak_pss / MB:.0f} MB "
        "(shared pages split between processes)"
    )
    print(f"  Python process RSS {before / MB:.0f} MB before, {own_rss() / MB:.0f} MB after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--pdf-repeat", type=int, default=24, help="paragraph rounds in the PDF (~0.5 page each)"
    )
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    bench_pdf(args.pdf_repeat)
    if Path(BrowserSettings().executable_path).exists():
        asyncio.run(bench_browser(args.renders, args.concurrency))
    else:
        print("Browser: skipped, no Chromium at", BrowserSettings().executable_path)


if __name__ == "__main__":
    main()
