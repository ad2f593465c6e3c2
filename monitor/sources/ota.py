"""Reading an Open Terms Archive versions collection with git itself.

A collection is a git repository with one Markdown file per document, ``<Service>/<Terms type>.md``, and one
commit per recorded version. :func:`open_collection` accepts a working clone, a bare repository or a git
bundle (cloned into a temporary bare repository first). :meth:`Collection.histories` lists every document's
commits with one ``git log --raw`` call, and :meth:`Collection.blobs` streams texts through one
``git cat-file --batch`` process: nothing is checked out, commit by commit or otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from monitor.errors import SourceError

#: OTA's subject for a commit that re-extracted a document after an engine or declaration change.
REEXTRACTION_PREFIX = "Apply technical or declaration upgrade"
BUNDLE_SIGNATURES = (b"# v2 git bundle", b"# v3 git bundle")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def document_slug(document: str) -> str:
    """``"Claude.ai/Privacy Policy"`` → ``"claude-ai-privacy-policy"`` (the policy name of a document)."""
    return _NON_SLUG.sub("-", document.lower()).strip("-")[:64].rstrip("-")


def document_of_path(path: str) -> str | None:
    """``"Service/Terms type.md"`` → ``"Service/Terms type"``; None for any other file of the repository."""
    parts = path.split("/")
    if len(parts) != 2 or not parts[1].endswith(".md") or parts[0].startswith("."):
        return None
    service, terms_type = parts[0], parts[1][: -len(".md")]
    return f"{service}/{terms_type}" if service and terms_type else None


@dataclass(frozen=True, slots=True)
class Record:
    """One commit of one document: its new blob, or None when the commit deleted the file."""

    commit: str
    committed_at: datetime
    subject: str
    blob: str | None

    @property
    def reextraction(self) -> bool:
        return self.subject.startswith(REEXTRACTION_PREFIX)


@dataclass(frozen=True, slots=True)
class History:
    document: str  # "Service/Terms type"
    records: tuple[Record, ...]  # oldest first

    @property
    def service(self) -> str:
        return self.document.split("/", 1)[0]

    @property
    def terms_type(self) -> str:
        return self.document.split("/", 1)[1]


class BlobReader:
    """Blob contents by id, through one long-lived ``git cat-file --batch`` process."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._process = subprocess.Popen(
            ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read(self, shas: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        for sha in shas:
            process.stdin.write(sha.encode("ascii") + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise SourceError(f"{self.git_dir}: object {sha} is missing or not a blob")
            body = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield sha, body

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


@dataclass
class Collection:
    """An opened collection: the git directory, its root commit (its identity) and a display name."""

    git_dir: Path
    name: str
    root_commit: str
    head: str
    _reader: BlobReader | None = field(default=None, repr=False)
    _readers: list[BlobReader] = field(default_factory=list, repr=False)

    def git(self, *args: str) -> bytes:
        return _git(self.git_dir, *args)

    def histories(
        self,
        *,
        services: Sequence[str] = (),
        terms_types: Sequence[str] = (),
        since: datetime | None = None,
    ) -> list[History]:
        """Every document's commits, oldest first, filtered by service, terms type and commit date."""
        args = ["log", "--reverse", "--format=%x01%H%x1f%ct%x1f%s", "--raw", "--no-abbrev", "--no-renames"]
        args += ["-z", "--no-merges", self.head]
        if since is not None:
            args.append(f"--since={int(since.timestamp())}")
        by_document: dict[str, list[Record]] = {}
        wanted_services = {name.casefold() for name in services}
        wanted_types = {name.casefold() for name in terms_types}
        for document, record in parse_log(self.git(*args)):
            service, terms_type = document.split("/", 1)
            if wanted_services and service.casefold() not in wanted_services:
                continue
            if wanted_types and terms_type.casefold() not in wanted_types:
                continue
            by_document.setdefault(document, []).append(record)
        return [History(document, tuple(records)) for document, records in sorted(by_document.items())]

    def blobs(self, shas: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """The contents of blobs, in the order asked, through one long-lived ``git cat-file --batch``."""
        if self._reader is None:
            self._reader = self.open_reader()
        return self._reader.read(shas)

    def open_reader(self) -> BlobReader:
        """Another ``cat-file`` process, for a second reader going at its own pace (closed with this)."""
        reader = BlobReader(self.git_dir)
        self._readers.append(reader)
        return reader

    def close(self) -> None:
        for reader in self._readers:
            reader.close()
        self._readers.clear()
        self._reader = None

    def text_at_head(self, document: str) -> bytes | None:
        try:
            return self.git("cat-file", "blob", f"{self.head}:{document}.md")
        except SourceError:
            return None


def parse_log(output: bytes) -> Iterator[tuple[str, Record]]:
    """Parse ``git log --format=%x01%H%x1f%ct%x1f%s --raw --no-abbrev -z`` into (document, record)."""
    for chunk in output.split(b"\x01"):
        if not chunk:
            continue
        header, _, raw = chunk.partition(b"\0")
        commit, timestamp, subject = header.decode("utf-8", "replace").split("\x1f", 2)
        committed_at = datetime.fromtimestamp(int(timestamp), UTC)
        fields = raw.lstrip(b"\n").split(b"\0")
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            parts = meta[1:].split()
            document = document_of_path(path.decode("utf-8", "surrogateescape"))
            if document is None or len(parts) < 5:
                continue
            status, new_blob = parts[4][:1], parts[3].decode("ascii")
            blob = None if status == b"D" else new_blob
            yield document, Record(commit, committed_at, subject, blob)


def _git(git_dir: Path, *args: str) -> bytes:
    try:
        completed = subprocess.run(
            ["git", "--git-dir", str(git_dir), *args], capture_output=True, check=False, timeout=600
        )
    except FileNotFoundError:
        raise SourceError("git is not installed (needed to read Open Terms Archive collections)") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"{git_dir}: git {args[0]} failed: {message[-1] if message else 'no output'}")
    return completed.stdout


def _is_bundle(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(16).startswith(BUNDLE_SIGNATURES)


def _git_dir_of(path: Path) -> Path:
    if not path.is_dir():
        raise SourceError(f"{path}: not a git repository, bare repository or bundle")
    try:
        completed = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--absolute-git-dir"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
    except FileNotFoundError:
        raise SourceError("git is not installed (needed to read Open Terms Archive collections)") from None
    if completed.returncode != 0:
        raise SourceError(f"{path}: not a git repository, bare repository or bundle")
    return Path(completed.stdout.decode().strip())


def collection_name(source: Path) -> str:
    """A display name: the bundle's or repository's folder name (``genai-eu-versions``)."""
    path = source.resolve()
    if path.name == ".git":
        path = path.parent
    name = path.name
    for suffix in (".bundle", ".git"):
        name = name.removesuffix(suffix)
    return name or "collection"


@contextmanager
def open_collection(
    source: Path | str, *, ref: str = "HEAD", name: str | None = None
) -> Iterator[Collection]:
    """Open a clone, a bare repository or a bundle for reading; a bundle is cloned to a temporary folder."""
    path = Path(source).expanduser()
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    scratch: Path | None = None
    try:
        if _is_bundle(path):
            scratch = Path(tempfile.mkdtemp(prefix="policywatch-ota-"))
            git_dir = scratch / "collection.git"
            completed = subprocess.run(
                ["git", "clone", "--bare", "--quiet", str(path.resolve()), str(git_dir)],
                capture_output=True, check=False, timeout=600,
            )  # fmt: skip
            if completed.returncode != 0:
                message = completed.stderr.decode("utf-8", "replace").strip()
                raise SourceError(f"{path}: cannot read the bundle: {message}")
        else:
            git_dir = _git_dir_of(path)
        head = _git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
        roots = _git(git_dir, "rev-list", "--max-parents=0", head).decode().split()
        collection = Collection(git_dir, name or collection_name(path), sorted(roots)[0], head)
        try:
            yield collection
        finally:
            collection.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
