"""The pure middle of the pipeline: segment → diff → classify, for any two texts, with the versions' facts.

The facts (``monitor.core.facts``) are the new version's language, which picks the lexicon the change is
judged with, and both versions' stated "last updated" dates, which tell a silent change (``undated``) and a
change of the date alone (``redated``) apart from the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from monitor.core.clauses import Clause, segment
from monitor.core.diff import ClauseDiff, diff_clauses
from monitor.core.facts import (
    Notice,
    StatedDate,
    VersionFacts,
    change_notice,
    detect_language,
    main_date,
    stated_dates,
)
from monitor.core.materiality import ChangeJudgement, Judgement, classify
from monitor.core.report import build_report

#: The lexicon used when neither version's language could be told (a short or mixed text).
DEFAULT_LANGUAGE: Final = "en"


@dataclass(frozen=True, slots=True)
class Analysis:
    """Clauses, diff and judgement of a change, with the facts of both versions and the change's notice."""

    old: tuple[Clause, ...]
    new: tuple[Clause, ...]
    diff: ClauseDiff
    judgement: Judgement
    #: The new version's language (None: could not tell) and stated date.
    language: str | None = None
    stated_date: StatedDate | None = None
    #: The old version's language as given (or detected when the new one's could not be told).
    old_language: str | None = None
    old_stated_date: StatedDate | None = None
    #: The language whose lexicon judged the change.
    judged_in: str = DEFAULT_LANGUAGE
    notice: Notice | None = None

    @property
    def facts(self) -> VersionFacts:
        """What the store step writes on the new version."""
        return VersionFacts(self.language, self.stated_date)

    def report(self) -> dict[str, Any]:
        return build_report(
            self.diff,
            self.judgement,
            language=self.judged_in,
            supported=self.judgement.supported,
            notice=self.notice,
            stated_dates=(
                self.old_stated_date.iso if self.old_stated_date else None,
                self.stated_date.iso if self.stated_date else None,
            ),
        )


def _not_material(judgement: Judgement) -> Judgement:
    """A date-only change is never material, whatever a lexicon made of the date line."""
    quiet = ChangeJudgement(False, "none", (), "neutral", ())
    return replace(
        judgement,
        material=False,
        severity="none",
        categories=(),
        direction="neutral",
        summary="Not material: only the stated 'last updated' date changed.",
        changes=tuple(quiet for _ in judgement.changes),
    )


def analyse(
    old_text: str | None,
    new_text: str,
    *,
    old_language: str | None = None,
    new_language: str | None = None,
) -> Analysis:
    """Segment both texts, align their clauses and judge the change (old_text None: a first version).

    ``old_language``/``new_language`` are the stored languages when the versions are already known (the
    language is detected once per version). A missing one is taken from the other version when most
    clauses are unchanged (a language switch rewrites nearly every clause), else detected: the new text's
    always, the old text's only when the new one's cannot be told (it is then the fallback lexicon).
    """
    old = segment(old_text) if old_text is not None else ()
    new = segment(new_text)
    diff = diff_clauses(old, new)
    if old_text is not None and diff.unchanged >= max(1, len(diff.changes)):
        old_language, new_language = old_language or new_language, new_language or old_language
    if new_language is None:
        new_language = detect_language(new_text)
    if new_language is None and old_text is not None and old_language is None:
        old_language = detect_language(old_text)  # only needed as the fallback lexicon
    judged_in = new_language or old_language or DEFAULT_LANGUAGE
    judgement = classify(old_text, new_text, diff, language=judged_in)
    old_dates = stated_dates(old_text) if old_text is not None else ()
    new_dates = stated_dates(new_text)
    notice = change_notice(
        old_text,
        new_text,
        material=judgement.material,
        anomaly=judgement.anomaly,
        dates=(old_dates, new_dates),
    )
    if notice == "redated" and judgement.material:
        # The lexicon may call a date line material; when nothing but the date changed, it is not.
        judgement = _not_material(judgement)
    return Analysis(
        old,
        new,
        diff,
        judgement,
        language=new_language,
        stated_date=main_date(new_dates),
        old_language=old_language,
        old_stated_date=main_date(old_dates),
        judged_in=judgement.language,
        notice=notice,
    )
