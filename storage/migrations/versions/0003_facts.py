"""version facts (language, stated date) and the change notice (undated / redated)

Revision ID: 0003_facts
Revises: 0004_renderer
Create Date: 2026-12-02 14:30:00

Hand-written. Existing rows are filled in here, in batches: each version's language and stated date from
its text, each change's notice from its two texts, and the stored report gains the same fields, so an
upgraded history reads like a new one. Reports stored before this were judged with the English lexicon
(the only one there was), so their ``language`` says ``en``. The facts come from ``monitor.core.facts``,
the same pure functions the store step uses.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.codec import decode_text, delta_base_id

revision = "0003_facts"
down_revision = "0004_renderer"
branch_labels = None
depends_on = None

BATCH = 200
CACHE_SIZE = 256

_versions = sa.table(
    "versions",
    sa.column("id", sa.Integer),
    sa.column("language", sa.String),
    sa.column("stated_date", sa.String),
)
_changes = sa.table(
    "changes",
    sa.column("id", sa.Integer),
    sa.column("notice", sa.String),
    sa.column("report", sa.JSON),
)


class _Texts:
    """Version texts by id, following ``zstd-delta:<base id>`` codecs back to a keyframe, with a small cache."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.cache: OrderedDict[int, str] = OrderedDict()

    def _row(self, version_id: int) -> tuple[int, str, bytes]:
        row = self.connection.execute(
            sa.text("SELECT id, text_codec, text_blob FROM versions WHERE id = :id"), {"id": version_id}
        ).one()
        return row[0], row[1], row[2]

    def get(self, version_id: int, row: tuple[int, str, bytes] | None = None) -> str:
        if version_id in self.cache:
            self.cache.move_to_end(version_id)
            return self.cache[version_id]
        chain = [row or self._row(version_id)]
        base_text: str | None = None
        while (base_id := delta_base_id(chain[-1][1])) is not None:
            if base_id in self.cache:
                base_text = self.cache[base_id]
                break
            chain.append(self._row(base_id))
        for chained_id, codec, blob in reversed(chain):
            base_text = decode_text(codec, blob, base_text)
            self.cache[chained_id] = base_text
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        assert base_text is not None
        return base_text


def _with_facts(report: dict[str, Any], notice: str | None, dates: tuple[str | None, str | None]) -> dict[str, Any]:
    """The report with ``language``, ``supported``, ``notice``, ``stated_dates`` after ``anomaly``, as new ones."""
    out: dict[str, Any] = {}
    for key, value in report.items():
        if key in {"language", "supported", "notice", "stated_dates"}:
            continue
        out[key] = value
        if key == "anomaly":
            out.update(
                language="en", supported=True, notice=notice, stated_dates={"old": dates[0], "new": dates[1]}
            )
    return out


def _backfill_versions(connection: sa.Connection, texts: _Texts) -> dict[int, str | None]:
    from monitor.core.facts import version_facts

    dates: dict[int, str | None] = {}
    last_id = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, text_codec, text_blob FROM versions WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last_id, "n": BATCH},
        ).all()
        if not rows:
            return dates
        updates = []
        for version_id, codec, blob in rows:
            facts = version_facts(texts.get(version_id, (version_id, codec, blob)))
            iso = facts.stated_date.iso if facts.stated_date else None
            dates[version_id] = iso
            updates.append({"vid": version_id, "language": facts.language, "stated_date": iso})
        connection.execute(
            _versions.update()
            .where(_versions.c.id == sa.bindparam("vid"))
            .values(language=sa.bindparam("language"), stated_date=sa.bindparam("stated_date")),
            updates,
        )
        last_id = rows[-1][0]


def _backfill_changes(connection: sa.Connection, texts: _Texts, dates: dict[int, str | None]) -> None:
    from monitor.core.facts import change_notice

    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(
                sa.column("id"),
                sa.column("from_version_id"),
                sa.column("to_version_id"),
                sa.column("material"),
                sa.column("anomaly"),
                sa.column("report", sa.JSON),
            )
            .select_from(sa.table("changes"))
            .where(sa.column("id") > last_id)
            .order_by(sa.column("id"))
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for change_id, old_id, new_id, material, anomaly, report in rows:
            notice = change_notice(
                texts.get(old_id), texts.get(new_id), material=bool(material), anomaly=anomaly
            )
            pair = (dates.get(old_id), dates.get(new_id))
            updates.append(
                {"cid": change_id, "notice": notice, "report": _with_facts(report, notice, pair) if report else None}
            )
        connection.execute(
            _changes.update()
            .where(_changes.c.id == sa.bindparam("cid"))
            .values(notice=sa.bindparam("notice"), report=sa.bindparam("report", type_=sa.JSON)),
            updates,
        )
        last_id = rows[-1][0]


def upgrade() -> None:
    op.add_column("versions", sa.Column("language", sa.String(length=16), nullable=True))
    op.add_column("versions", sa.Column("stated_date", sa.String(length=10), nullable=True))
    op.add_column("changes", sa.Column("notice", sa.String(length=16), nullable=True))
    connection = op.get_bind()
    texts = _Texts(connection)
    dates = _backfill_versions(connection, texts)
    _backfill_changes(connection, texts, dates)


def downgrade() -> None:
    op.drop_column("changes", "notice")
    op.drop_column("versions", "stated_date")
    op.drop_column("versions", "language")
