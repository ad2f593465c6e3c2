"""Loading py3langid's model fast: its LZMA-compressed file is unpacked once into a cache, then read as is.

The packaged model (``model.npz.xz``) takes 0.6 s on an idle machine, and several seconds on a busy one, to
decompress (68 MB out of 4.5 MB), every time a process starts. Every process that stores a version needs
it, so the first check of a daemon or of ``policywatch check`` waited for it. The unpacked ``.npz`` is kept
in ``$XDG_CACHE_HOME/policywatch`` (``~/.cache/policywatch``), named after the py3langid version and the
model file's size and time, and read in a fraction of that. Anything unexpected (no writable cache, another
model layout) falls back to py3langid's own loader: the cache only ever saves time.
"""

from __future__ import annotations

import lzma
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policywatch"


def _unpacked(source: Path) -> Path:
    """The cached uncompressed copy of ``source``, written atomically on first use."""
    stat = source.stat()
    target = cache_dir() / f"py3langid-{version('py3langid')}-{stat.st_size}-{int(stat.st_mtime)}.npz"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        part = tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False)  # noqa: SIM115
        try:
            with part, lzma.open(source) as packed:
                shutil.copyfileobj(packed, part, length=1 << 20)
            os.replace(part.name, target)  # concurrent first uses each write a whole file; the last one wins
        finally:
            Path(part.name).unlink(missing_ok=True)
    return target


def _from_unpacked(path: Path) -> LanguageIdentifier:
    import numpy as np
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array

    # The same arrays py3langid.modelio.load_model returns, read without the LZMA step.
    with np.load(path, allow_pickle=False) as data:
        return LanguageIdentifier(
            np.asarray(data["ptc"]),
            np.asarray(data["pc"]),
            data["classes"].tolist(),
            _to_array(data["nextmove"]),
            data["out_feat"].tolist(),
            norm_probs=True,
            tk_row=_to_array(data["nextmove_row"]),
        )


def load_identifier() -> LanguageIdentifier:
    """py3langid's identifier with normalised probabilities, from the cache when it can be used."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = MODEL_DIR / MODEL_FILE
    try:
        return _from_unpacked(_unpacked(source))
    except (OSError, ValueError, KeyError, TypeError, ImportError, lzma.LZMAError):
        # No writable cache, a damaged copy, another model layout: load the ordinary way.
        return LanguageIdentifier.from_modelpath(source, norm_probs=True)
