"""Peak memory of a whole ``policywatch check`` process fetching a decompression bomb, against a normal page.

Run by hand: ``.venv/bin/python bench/bomb_bench.py [--size-mib 1024] [--encodings gzip,deflate,br,zstd]``.

A loopback site serves one ordinary policy page (the idle figure) and, per encoding, a bomb that
inflates to ``--size-mib`` MiB from about 1 MB (gzip, deflate) or far less (zstd, brotli) on the wire,
generated as it is sent. Each case is a fresh ``policywatch check NAME`` process with the default
``fetch.max_bytes`` (10 MB), measured from outside by ``/usr/bin/time -v`` (its "Maximum resident set
size"). Target: every bomb refused, and its peak under 150 MB — near the idle figure.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.conftest import render_config  # noqa: E402
from tests.support.bombs import ENCODINGS, bomb  # noqa: E402
from tests.support.pages import policy_page, seed_names, seed_text  # noqa: E402
from tests.support.site import LoopbackSite  # noqa: E402

TARGET_MB = 150
POLICYWATCH = Path(sys.executable).with_name("policywatch")


def peak_check(config: Path, name: str) -> tuple[float, str]:
    """(peak RSS in MB, the check's outcome line) of one ``policywatch check name`` process."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(POLICYWATCH), "check", name, "--config", str(config), "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if match is None:
        raise SystemExit(f"no figure from /usr/bin/time:\n{done.stderr[-2000:]}")
    outcome = re.search(r'"outcome": "([^"]+)"', done.stdout)
    error = re.search(r'"error": (null|"[^"]*")', done.stdout)
    verdict = f"{outcome.group(1) if outcome else f'exit {done.returncode}'}"
    if error and error.group(1) != "null":
        verdict += f" ({error.group(1)[1:-1][:90]})"
    return int(match.group(1)) / 1024, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--encodings", default=",".join(ENCODINGS))
    parser.add_argument(
        "--max-ratio", type=float, default=None, help="fetch.max_compression_ratio (default: the default)"
    )
    args = parser.parse_args()
    encodings = [name for name in args.encodings.split(",") if name]
    size = args.size_mib << 20
    with tempfile.TemporaryDirectory() as folder, LoopbackSite() as site:
        site.set("/privacy", policy_page(seed_text(seed_names()[0])))
        policies = [{"name": "normal", "url": site.url("/privacy")}]
        for encoding in encodings:
            site.stream(
                f"/bomb-{encoding}",
                lambda encoding=encoding: bomb(encoding, size),  # type: ignore[misc]
                headers={"Content-Encoding": encoding},
            )
            policies.append({"name": f"bomb-{encoding}", "url": site.url(f"/bomb-{encoding}")})
        config = Path(folder) / "config.toml"
        sections = {"fetch": {"max_compression_ratio": args.max_ratio}} if args.max_ratio else {}
        config.write_text(
            render_config(storage_url=f"sqlite:///{folder}/bench.db", policies=policies, sections=sections),
            encoding="utf-8",
        )
        subprocess.run([str(POLICYWATCH), "init", "--config", str(config)], check=True, capture_output=True)
        idle, verdict = peak_check(config, "normal")
        print(f"normal page        peak {idle:7.1f} MB  {verdict}")
        worst = 0.0
        for encoding in encodings:
            peak, verdict = peak_check(config, f"bomb-{encoding}")
            worst = max(worst, peak)
            print(
                f"{encoding:7s} bomb {args.size_mib:5d} MiB  peak {peak:7.1f} MB  "
                f"({peak / idle:.2f}x idle)  {verdict}"
            )
        verdict = "met" if worst < TARGET_MB else "MISSED"
        print(f"worst bomb peak {worst:.1f} MB; target < {TARGET_MB} MB: {verdict}")


if __name__ == "__main__":
    main()
