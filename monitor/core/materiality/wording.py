"""Separating cosmetic edits from substantive ones inside a modified clause.

A clause's old and new wording are reduced to canonical tokens (links, URLs, Markdown, invisible characters,
quotes, case and punctuation folded away), then compared token by token. A changed region is *cosmetic*
when it is one of: a date or version line change, a spacing or hyphenation change ("e-mail"/"email",
"third-party"/"third party"), a British/American spelling, a listed synonym, a small typo or a
singular/plural slip, or inserted/removed filler words. Everything else is a substantive edit and goes to
the trigger rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Final

_LINK: Final = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL: Final = re.compile(r"(?:https?://|mailto:|www\.)\S+|\(#[^)]*\)", re.IGNORECASE)
_HTML: Final = re.compile(r"<[^>]{1,40}>")
_INVISIBLE: Final = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_DIGIT: Final = re.compile(r"\d")
# Words of any script; an English contraction keeps its suffix ("don't"), a French elision splits ("l'accès").
_TOKEN: Final = re.compile(r"[^\W_]+(?:['’](?:t|s|re|ll|ve|d|m)\b)?")
_M: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    # French and German month names: a re-dated French or German policy is as cosmetic as an English one.
    r"|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
    r"|januar|februar|m[äa]rz|juni|juli|oktober|dezember)\.?"
)
# Dates are masked before comparison: a changed date is never a change of practice.
_DATE: Final = re.compile(
    rf"\b(?:{_M}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s+(?:of\s+)?{_M},?\s+\d{{4}}"
    rf"|{_M},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|{_M}\s+\d{{1,2}}(?:st|nd|rd|th)?\b)",
    re.IGNORECASE,
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MONTHS: Final = _words(
    "january february march april may june july august september october november december "
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre "
    "décembre januar februar märz juni juli oktober dezember jan feb mar apr jun jul aug sep "
    "sept oct nov dec "
)
_DATE_WORDS: Final = MONTHS | {
    "updated",
    "effective",
    "last",
    "date",
    "modified",
    "revised",
    "as",
    "of",
    "on",
    "version",
    "previous",
    "mise",
    "jour",
    "dernière",
    "le",
    "du",
    "en",
    "vigueur",
    "er",
    "stand",
    "zuletzt",
    "aktualisiert",
    "am",
    "st",
    "nd",
    "rd",
    "th",
}
FILLER: Final = _words(
    # French and German articles, prepositions and possessives; "or" (ou, oder) stays meaningful
    "the a an this that these those also please just further additionally here there which such "
    "our your its to of in on at for by with and as is are be et und le la les l un une "
    "des de du d à au aux ce cette ces également notamment ainsi votre vos notre nos leur leurs "
    "qui que en der die das den dem des ein eine einen einem einer zu von mit für auf im am bei "
    "auch ihre ihr ihren unsere unser unseren "
)
# Wording swaps that do not change meaning in policy text; both directions are accepted.
_SYNONYM_GROUPS: Final = (
    {"generally", "usually", "typically", "normally", "ordinarily"},
    {"e", "g", "eg", "example", "for", "instance", "such", "as", "including", "like"},
    {"while", "whilst"},
    {"among", "amongst"},
    {"toward", "towards"},
    {"learned", "learnt"},
    {"utilise", "utilize", "use", "employ"},
    {"obtain", "get", "receive"},
    {"help", "assist"},
    {"information", "data", "info"},
    {"app", "application", "apps", "applications"},
    {"website", "site", "websites", "sites", "webpage", "page"},
    {"via", "through", "using", "by"},
    {"contact", "reach"},
    {"request", "ask"},
    {"from", "in", "on", "at"},
)
_SPELLING: Final = (
    (re.compile(r"isation"), "ization"),
    (re.compile(r"is(e|es|ed|ing)$"), r"iz\1"),
    (re.compile(r"yse(s|d)?$"), r"yze\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|ite|ites)?$"), r"or\1"),
    (re.compile(r"tre(s)?$"), r"ter\1"),
    (re.compile(r"mme(s)?$"), r"m\1"),
    (re.compile(r"ll(ed|ing|er)$"), r"l\1"),
    (re.compile(r"ence$"), "ense"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"^e(?=mail)"), ""),
)
_MEANINGFUL: Final = _words(
    "not no never may will shall must can could might all any some only none sell sale share "
    "shares rent lease collect use uses used store keep retain delete days months years more "
    "less opt in out do does did ne n pas plus jamais aucun aucune pouvons pourrons peut pourra "
    "devons nicht kein keine niemals können kann dürfen werden müssen nur uniquement seulement "
    "jours mois ans tage monate jahre "
)


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """Display text → plain lower-case prose: link texts kept; URLs, markup, invisible characters dropped."""
    text = _INVISIBLE.sub("", text)
    text = _LINK.sub(r" \1 ", text)
    text = _URL.sub(" ", text)
    text = _HTML.sub(" ", text)
    if _DIGIT.search(text):
        text = _DATE.sub(" zdatez ", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return text.lower()


def squash(text: str) -> str:
    """Lower-case, whitespace-collapsed text without Markdown escapes and emphasis ("1\\." = "1.", "**a**" =
    "a"): a cheap key for "does this wording occur in that text" (plain string methods only, so it stays
    fast on whole 100 kB policies)."""
    for ch in "\\*_`":
        text = text.replace(ch, "")
    return " ".join(text.lower().split())


# "like" for "such as" is a regional/stylistic variant; it is skipped only when whole texts are compared.
_DOC_SKIP: Final = frozenset({"like"})


def same_wording(old_text: str, new_text: str) -> bool:
    """Whether two whole texts say the same words once cosmetic differences are folded: Markdown escapes and
    emphasis, links, dates, case and punctuation, British/American spelling across the whole policy, filler
    words. A page-wide spelling sweep or re-escaping is then not a change, however the clauses re-segment."""
    if abs(len(old_text) - len(new_text)) > 0.03 * max(len(old_text), len(new_text)) + 200:
        return False  # a sweep of spellings or escapes barely changes the length; skip the word pass
    old_n, new_n = len(old_text.split()), len(new_text.split())
    if abs(old_n - new_n) > 0.01 * max(old_n, new_n) + 5:
        return False
    skip = FILLER | _DOC_SKIP
    old = [t for t in _WORDS.findall(old_text.lower()) if t not in skip]
    new = [t for t in _WORDS.findall(new_text.lower()) if t not in skip]
    # Spelling variants and escapes keep the word count; anything else changes it or differs in canon form.
    return len(old) == len(new) and all(
        a == b or _canon_cached(a) == _canon_cached(b) for a, b in zip(old, new, strict=True)
    )


_WORDS: Final = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65536)
def _canon_cached(word: str) -> str:
    return _canon(word)


def tokens(text: str) -> list[str]:
    return [t.replace("’", "'") for t in _TOKEN.findall(plain(text))]


def _canon(word: str) -> str:
    w = word.replace("'", "")
    for pattern, repl in _SPELLING:
        w = pattern.sub(repl, w)
    return w


def _edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (a transposition counts as one edit)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _is_date_token(tok: str) -> bool:
    return tok in _DATE_WORDS or (
        tok.isdigit() and (len(tok) <= 2 or (len(tok) == 4 and tok[:2] in {"19", "20"}))
    )


def _synonyms(a: list[str], b: list[str]) -> bool:
    return any(set(a) <= group and set(b) <= group for group in _SYNONYM_GROUPS)


def cosmetic_region(old: list[str], new: list[str]) -> bool:
    """Whether replacing token run ``old`` by ``new`` leaves the meaning unchanged."""
    if "".join(_canon(t) for t in old) == "".join(_canon(t) for t in new):
        return True  # spacing, hyphenation, apostrophes, spelling variants
    if (
        old
        and new
        and all(_is_date_token(t) for t in old + new)
        and any(t in MONTHS or len(t) == 4 for t in old + new)
    ):
        return True  # a date changed into another date
    if all(t in FILLER for t in old + new) and len(old) + len(new) <= 3:
        return True
    if old and new and _synonyms(old, new):
        return True
    if len(old) == 1 and len(new) == 1:
        a, b = _canon(old[0]), _canon(new[0])
        if a.isalpha() and b.isalpha() and a not in _MEANINGFUL and b not in _MEANINGFUL:
            limit = 1 if max(len(a), len(b)) < 8 else 2
            if min(len(a), len(b)) >= 3 and _edit_distance(a, b) <= limit:
                return True  # typo, singular/plural slip
    return False


@dataclass(frozen=True, slots=True)
class WordDelta:
    """The substantive part of a clause edit, in canonical tokens."""

    removed: tuple[str, ...]
    added: tuple[str, ...]
    regions: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

    @property
    def empty(self) -> bool:
        return not self.regions


def substantive_delta(old_text: str, new_text: str) -> WordDelta:
    """Token regions that differ between two wordings, after dropping cosmetic ones."""
    a, b = tokens(old_text), tokens(new_text)
    regions: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old, new = a[i1:i2], b[j1:j2]
        if not cosmetic_region(old, new):
            regions.append((tuple(old), tuple(new)))
    removed = tuple(t for r in regions for t in r[0])
    added = tuple(t for r in regions for t in r[1])
    return WordDelta(removed, added, tuple(regions))


def phrase(words: tuple[str, ...] | list[str], limit: int = 12) -> str:
    """Short quotable form of a token run."""
    text = " ".join(words[:limit])
    return text + (" …" if len(words) > limit else "")
