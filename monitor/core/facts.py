"""Facts of one policy version: its language and its stated "last updated" / "effective" date.

Both are pure functions of the text, computed once per version and stored with it, so the judgement can use
the lexicon of the version's language and a change can be flagged when it is *silent*:

* ``undated``: a material change that does not come with a new stated date (the page still says "Last
  updated: 3 March 2025", or no longer says anything). Regulators (the US FTC in 2024) warn that quietly
  changing terms can be unfair or deceptive; no general page monitor tells you.
* ``redated``: the stated date changed and nothing else did. Not material.

A *stated date* is a date given as the policy's own date, in English, French or German:

* a labelled line - "Last updated: March 3, 2025", "Effective 3 March 2025", "Dernière mise à jour :
  3 mars 2025", "Mis à jour le 03/03/2025", "En vigueur au 1er avril 2025", "Stand: 3. März 2025",
  "Zuletzt aktualisiert am 03.03.2025", "Gültig ab März 2025". The label opens the line (after Markdown
  markers) or follows a separator such as "|" or "(" ("Privacy Policy (last updated March 2025)");
* a sentence whose subject is the policy itself - "This Privacy Policy was last updated on 3 March 2025",
  "La présente politique a été mise à jour le 3 mars 2025", "Diese Datenschutzerklärung wurde zuletzt am
  3. März 2025 aktualisiert".

Dates elsewhere ("requests received after March 3, 2025", "Effective March 3, 2025, we will share…", "your
account was last updated on…") are not the policy's date and never count. Formats: written months (full
or abbreviated, with ordinals "3rd", "1er", "3."), ISO ``2025-03-03``, numeric ``03/03/2025``, ``3.3.2025``
and month-and-year ("March 2025", "03/2025"; stored as ``2025-03``). An ambiguous numeric date (both parts
≤ 12) reads month first after an English label (US usage) and day first after a French or German one.

The date grammar is written here rather than borrowed from a general date parser: the date must sit right
after a label, in one of a fixed set of formats, and the result must never depend on the current date or
locale; a general parser's fuzzy search would find dates in any clause.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

Notice = Literal["undated", "redated"]
DateKind = Literal["updated", "effective"]

NOTICE_TEXT: Final[dict[str, str]] = {
    "undated": "changed without a new 'last updated' date",
    "redated": "only the stated 'last updated' date changed",
}


@dataclass(frozen=True, slots=True)
class StatedDate:
    """A date the policy states as its own; ``day`` is None for a month-and-year date ("March 2025")."""

    year: int
    month: int
    day: int | None
    kind: DateKind
    #: The words as written, label included ("Last updated: March 3, 2025").
    phrase: str
    #: Where the phrase sits in the text (start, end), so it can be masked out.
    span: tuple[int, int]

    @property
    def iso(self) -> str:
        """``2025-03-03``, or ``2025-03`` for a month-and-year date: what is stored and compared."""
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day is not None else "")


@dataclass(frozen=True, slots=True)
class VersionFacts:
    """What is stored on a version besides its text."""

    language: str | None
    stated_date: StatedDate | None


# -- dates ------------------------------------------------------------------------------------------------

_MONTH_NAMES: Final[dict[int, tuple[str, ...]]] = {
    1: ("january", "jan", "janvier", "janv", "januar", "jänner", "jaenner"),
    2: ("february", "feb", "février", "fevrier", "févr", "fevr", "februar"),
    3: ("march", "mar", "mars", "märz", "maerz", "mär"),
    4: ("april", "apr", "avril", "avr"),
    5: ("may", "mai"),
    6: ("june", "jun", "juin", "juni"),
    7: ("july", "jul", "juillet", "juil", "juli"),
    8: ("august", "aug", "août", "aout"),
    9: ("september", "sept", "sep", "septembre"),
    10: ("october", "oct", "octobre", "oktober", "okt"),
    11: ("november", "nov", "novembre"),
    12: ("december", "dec", "décembre", "decembre", "déc", "dezember", "dez"),
}
_MONTHS: Final = {name: number for number, names in _MONTH_NAMES.items() for name in names}
_MONTH = "(?:" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag),?[^\S\n]+"
)
_DAY_SUFFIX = r"(?:st|nd|rd|th|er|\.)?"
_DATE = (
    rf"(?:{_WEEKDAY})?(?:"
    rf"(?P<dm_d>\d{{1,2}}){_DAY_SUFFIX}[^\S\n]+(?:of[^\S\n]+)?(?P<dm_m>{_MONTH}),?[^\S\n]+(?P<dm_y>\d{{4}})"
    rf"|(?P<md_m>{_MONTH})[^\S\n]+(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?,?[^\S\n]+(?P<md_y>\d{{4}})"
    r"|(?P<iso_y>\d{4})[-/.](?P<iso_m>\d{1,2})[-/.](?P<iso_d>\d{1,2})\b"
    r"|(?P<num_a>\d{1,2})(?P<sep>[./-])(?P<num_b>\d{1,2})(?P=sep)(?P<num_y>\d{4}|\d{2})\b"
    rf"|(?P<my_m>{_MONTH}),?[^\S\n]+(?P<my_y>\d{{4}})"
    r"|(?P<nmy_m>\d{1,2})/(?P<nmy_y>\d{4})\b"
    r")"
)

# Labels, by language. English first: an ambiguous numeric date after one of these reads month first.
_EN_UPDATED = (
    r"(?:date[^\S\n]+(?:of[^\S\n]+)?)?(?:last|latest|most[^\S\n]+recent)[^\S\n]+"
    r"(?:updated?|modified|modification|revised|revision|amended|amendment|changed|reviewed)"
    r"|(?:updated|revised|modified|amended)|revision[^\S\n]+date"
    r"|date[^\S\n]+(?:of[^\S\n]+)?(?:last[^\S\n]+)?(?:update|revision)"
)
_EN_EFFECTIVE = (
    r"effective(?:[^\S\n]+date)?|date[^\S\n]+effective|in[^\S\n]+effect|valid[^\S\n]+(?:from|since)"
)
_FR_UPDATED = (
    r"(?:date[^\S\n]+de[^\S\n]+(?:la[^\S\n]+)?)?(?:derni[eè]re[^\S\n]+)?"
    r"(?:mise[^\S\n]+[aà][^\S\n]+jour|modification|r[ée]vision|actualisation)"
    r"|mis[^\S\n]+[aà][^\S\n]+jour|modifi[ée]e?|r[ée]vis[ée]e?|actualis[ée]e?|version[^\S\n]+du"
)
_FR_EFFECTIVE = (
    r"(?:date[^\S\n]+d['’])?entr[ée]e[^\S\n]+en[^\S\n]+vigueur|en[^\S\n]+vigueur|date[^\S\n]+d['’]effet"
    r"|applicable|valable"
)
_DE_UPDATED = (
    r"stand|zuletzt[^\S\n]+(?:aktualisiert|ge[äa]ndert|überarbeitet|bearbeitet)"
    r"|letzte[^\S\n]+(?:aktualisierung|[äa]nderung|überarbeitung)|aktualisiert|ge[äa]ndert"
    r"|(?:fassung|version)[^\S\n]+vom"
)
_DE_EFFECTIVE = (
    r"g[üu]ltig(?:[^\S\n]+(?:ab|seit))?|in[^\S\n]+kraft(?:[^\S\n]+(?:seit|ab))?"
    r"|datum[^\S\n]+des[^\S\n]+inkrafttretens|inkrafttreten|wirksam[^\S\n]+(?:ab|seit)"
)
_LABEL = (
    rf"(?P<label>(?P<en>{_EN_UPDATED}|{_EN_EFFECTIVE})|(?P<fr>{_FR_UPDATED}|{_FR_EFFECTIVE})"
    rf"|(?P<de>{_DE_UPDATED}|{_DE_EFFECTIVE}))"
)
# Between a label and its date: a colon or dash, a preposition, Markdown emphasis, one line break.
_LINK = (
    r"[*_]*[^\S\n]*(?:[:\-–—][^\S\n]*)?[*_]*[^\S\n]*(?:\n[^\S\n]*)?"
    r"(?:(?:on|as[^\S\n]+of|from|since|le|du|au|depuis[^\S\n]+le|[àa][^\S\n]+(?:compter|partir)[^\S\n]+du"
    r"|am|vom|ab|seit|zum)[^\S\n]+)?(?:[:\-–—][^\S\n]*)?"
)
# A label opens a line (after bullets, quotes, heading or emphasis marks) or a sentence, or follows "|", "(".
_OPENING = r"(?:^|[|·•—–(\[.!?])[^\S\n]*(?:[#>*_+\-•][^\S\n]*)*"
_LINE_FORM = re.compile(rf"{_OPENING}(?P<phrase>{_LABEL}{_LINK}{_DATE})", re.I | re.M)

_SUBJECT_EN = (
    r"\b(?:this|our|the)[^\S\n]+(?:[\w-]+[^\S\n]+){0,3}?(?:policy|notice|statement|terms)[^\S\n]+"
    r"(?:was|were|is|has[^\S\n]+been|have[^\S\n]+been|becomes?|became|takes|took)[^\S\n]+"
    r"(?:last[^\S\n]+)?(?:updated|revised|modified|amended|changed|effective|effect)"
)
_SUBJECT_FR = (
    r"\b(?:la[^\S\n]+pr[ée]sente|cette|notre)[^\S\n]+(?:[\w'’-]+[^\S\n]+){0,4}?"
    r"(?:politique|charte|notice|d[ée]claration)[^\S\n]+(?:[\w'’-]+[^\S\n]+){0,4}?"
    r"(?:a[^\S\n]+[ée]t[ée]|est|sera|entre)[^\S\n]+(?:(?:mise|modifi[ée]e|r[ée]vis[ée]e|actualis[ée]e)"
    r"(?:[^\S\n]+[aà][^\S\n]+jour)?|en[^\S\n]+vigueur|applicable)"
)
_SUBJECT_DE = (
    r"\b(?:diese|unsere)[^\S\n]+(?:[\wäöüß-]+[^\S\n]+){0,2}?"
    r"(?:datenschutz\w*|richtlinie|erkl[äa]rung|hinweise)[^\S\n]+"
    r"(?:wurde|wird|ist|gilt|tritt)(?:[^\S\n]+zuletzt)?"
)
_SENTENCE_FORM = re.compile(
    rf"(?P<phrase>(?P<label>(?P<en>{_SUBJECT_EN})|(?P<fr>{_SUBJECT_FR})|(?P<de>{_SUBJECT_DE})){_LINK}{_DATE})",
    re.I,
)
_EFFECTIVE_WORDS = re.compile(
    r"effect|vigueur|applicable|valable|valid|g[üu]ltig|kraft|gilt|tritt|wirksam", re.I
)
# "Effective March 3, 2025, we will…" is a clause, not the policy's date: a comma goes on with the sentence.
_GOES_ON = re.compile(r"[^\S\n]*,[^\S\n]*\w")
# An effective-date *line* must end after its date (or at a separator): "Effective 3 March 2025 we will…"
# is a clause too.
_LINE_ENDS = re.compile(r"[^\S\n]*(?:$|[.;)|\]·•—–*_]|-[^\S\n])", re.M)


def _year(value: str) -> int:
    year = int(value)
    return year + 2000 if len(value) == 2 else year


def _numeric_order(a: int, b: int, *, month_first: bool) -> tuple[int, int]:
    """(month, day) of an ``a/b`` date: an impossible reading is dropped, else the label's usage decides."""
    if a > 12 >= b:
        return b, a
    if b > 12 >= a:
        return a, b
    return (a, b) if month_first else (b, a)


def _parts(match: re.Match[str]) -> tuple[int, int, int | None] | None:
    g = match.group
    if g("dm_d"):
        return _year(g("dm_y")), _MONTHS[g("dm_m").lower().rstrip(".")], int(g("dm_d"))
    if g("md_d"):
        return _year(g("md_y")), _MONTHS[g("md_m").lower().rstrip(".")], int(g("md_d"))
    if g("iso_y"):
        return int(g("iso_y")), int(g("iso_m")), int(g("iso_d"))
    if g("num_a"):
        month, day = _numeric_order(int(g("num_a")), int(g("num_b")), month_first=bool(g("en")))
        return _year(g("num_y")), month, day
    if g("my_m"):
        return int(g("my_y")), _MONTHS[g("my_m").lower().rstrip(".")], None
    if g("nmy_m"):
        return int(g("nmy_y")), int(g("nmy_m")), None
    return None


def _valid(year: int, month: int, day: int | None) -> bool:
    if not 1990 <= year <= 2100 or not 1 <= month <= 12:
        return False
    try:
        date(year, month, day or 1)
    except ValueError:
        return False
    return True


def _stated(match: re.Match[str], text: str, *, line: bool) -> StatedDate | None:
    start, end = match.span("phrase")
    if _GOES_ON.match(text, end):
        return None
    kind: DateKind = "effective" if _EFFECTIVE_WORDS.search(match.group("label")) else "updated"
    if line and kind == "effective" and not _LINE_ENDS.match(text, end):
        return None
    parts = _parts(match)
    if parts is None or not _valid(*parts):
        return None
    year, month, day = parts
    return StatedDate(year, month, day, kind, " ".join(match.group("phrase").split()), (start, end))


# Every date ends with (or, in ISO, starts with) a year; the patterns only run on the text around years.
# (Runs of digits are found first: scanning for the exact shapes everywhere is ten times slower.)
_NUMBERS = re.compile(r"\d[\d./-]*")
_YEAR = re.compile(r"\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}")
_BEFORE_YEAR: Final = 300  # longer than any label, link and date before the year
_AFTER_YEAR: Final = 24


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged spans of text around each year-like number: the only places a stated date can be."""
    windows: list[tuple[int, int]] = []
    for hit in _NUMBERS.finditer(text):
        if len(hit.group()) < 4 or not _YEAR.search(hit.group()):
            continue
        start, end = max(0, hit.start() - _BEFORE_YEAR), min(len(text), hit.end() + _AFTER_YEAR)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def stated_dates(text: str) -> tuple[StatedDate, ...]:
    """Every date the text states as the policy's own, in document order."""
    found: dict[int, StatedDate] = {}
    for start, end in _windows(text):
        # Searching inside the whole string (pos/endpos) keeps "^" and "\b" true to the real text.
        for form, line in ((_LINE_FORM, True), (_SENTENCE_FORM, False)):
            for match in form.finditer(text, start, end):
                stated = _stated(match, text, line=line)
                if stated is not None and not any(_overlaps(stated.span, o.span) for o in found.values()):
                    found[stated.span[0]] = stated
    return tuple(found[position] for position in sorted(found))


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def stated_date(text: str) -> StatedDate | None:
    """The policy's stated date: the first "last updated" date, else the first "effective" date."""
    return main_date(stated_dates(text))


def main_date(dates: tuple[StatedDate, ...]) -> StatedDate | None:
    """Of a text's stated dates (document order), the one that is the version's date."""
    return next((d for d in dates if d.kind == "updated"), dates[0] if dates else None)


def without_stated_dates(text: str, dates: Iterable[StatedDate]) -> str:
    """The text with its stated-date phrases cut out and whitespace collapsed (for "nothing else changed")."""
    pieces, position = [], 0
    for stated in sorted(dates, key=lambda d: d.span):
        pieces.append(text[position : stated.span[0]])
        position = stated.span[1]
    pieces.append(text[position:])
    return " ".join("".join(pieces).split())


def change_notice(
    old_text: str | None,
    new_text: str,
    *,
    material: bool,
    anomaly: str | None,
    dates: tuple[tuple[StatedDate, ...], tuple[StatedDate, ...]] | None = None,
) -> Notice | None:
    """``undated``, ``redated`` or None for the change from ``old_text`` to ``new_text`` (see the module doc).

    ``redated`` whenever the stated dates are all that differ, material or not (the caller makes it not
    material). ``undated`` only for a material change of a policy that stated a date before and states no
    date it did not state before: a policy that never states a date gets no notice. ``dates``: both texts'
    ``stated_dates`` when the caller has them already.
    """
    if old_text is None or anomaly is not None:
        return None
    old_dates, new_dates = dates if dates is not None else (stated_dates(old_text), stated_dates(new_text))
    old_isos = {d.iso for d in old_dates}
    new_isos = {d.iso for d in new_dates}
    if old_isos != new_isos and without_stated_dates(old_text, old_dates) == without_stated_dates(
        new_text, new_dates
    ):
        return "redated"
    if material and old_dates and new_isos <= old_isos:
        return "undated"
    return None


def notice_text(notice: str | None) -> str | None:
    """The plain words for a notice, as alerts and pages show them."""
    return NOTICE_TEXT.get(notice) if notice else None


# -- language ---------------------------------------------------------------------------------------------

#: The share of the identifier's probability a language needs before it is stored (it is ~1.0 on policies).
LANGUAGE_CONFIDENCE: Final = 0.9
_MIN_LETTERS: Final = 200
_SAMPLE: Final = 1000
_NOISE = re.compile(r"https?://\S+|\]\([^)]*\)|[#*_>`|\\\[\]]+")


class _Identifier:
    """py3langid's model (~85 MB), loaded on first use and once per process, whichever thread asks first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: LanguageIdentifier | None = None

    def get(self) -> LanguageIdentifier:
        model = self._model
        if model is None:
            with self._lock:
                if self._model is None:
                    from monitor.core.langmodel import load_identifier

                    self._model = load_identifier()
                model = self._model
        return model


_IDENTIFIER: Final = _Identifier()


def language_identifier() -> LanguageIdentifier:
    """The process's one py3langid model (~85 MB): every language check shares it."""
    return _IDENTIFIER.get()


def language_sample(text: str) -> str:
    """Head, middle and tail of the text without URLs and Markdown: what the identifier reads."""
    middle = len(text) // 2
    long = len(text) > 3 * _SAMPLE
    parts = (text[:_SAMPLE], text[middle : middle + _SAMPLE], text[-_SAMPLE:]) if long else (text,)
    return " ".join(_NOISE.sub(" ", " ".join(parts)).split())


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the text's language (``en``, ``fr``, ``de``…); None when unsure or too short."""
    sample = language_sample(text)
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return None
    code, probability = language_identifier().classify(sample)
    return str(code) if probability >= LANGUAGE_CONFIDENCE else None


def version_facts(text: str, *, language: str | None = None) -> VersionFacts:
    """The facts stored with a version; ``language`` when already known (detected once, then stored)."""
    return VersionFacts(language if language is not None else detect_language(text), stated_date(text))
