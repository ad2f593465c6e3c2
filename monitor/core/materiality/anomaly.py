"""Captures that are not policy versions: error pages, bot or login walls, near-empty or truncated texts,
texts that came back in another language, and partial captures (an error, maintenance or geo-block notice
in place of one section of an otherwise good page: ``detect_partial``).

Signatures are weighed by position and length, so a real policy that *mentions* "page not found" or
"captcha" is not flagged:

* a short text (< 1,500 plain characters) is flagged on one signature anywhere in it;
* a long text only when two or more signatures sit in its first ~400 characters (an error banner replacing
  the top of the page, with the rest of the page still captured) and the old text's head had none;
* ``too_short``: under 200 plain characters; under a quarter of the old text and under 3,000 characters;
  or a truncated capture - the new text is the old one cut off (its lines are the old text's opening lines,
  at least 8% of the old text is missing from the end, and that missing tail is not a duplicate of what
  remains, which is how a page that carried two copies of a policy sheds one);
* ``language_changed``: both texts identified confidently (py3langid, ≥ 0.95) as different languages.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Final

from monitor.core.materiality.wording import plain

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

    from monitor.core.diff import ClauseDiff

_SIGNATURES: Final[dict[str, re.Pattern[str]]] = {
    "bot_wall": re.compile(
        r"just a moment|checking (?:if the site connection is secure|your browser)|"
        r"verify (?:that )?you are (?:a )?human"
        r"|are you a robot|(?:re)?captcha|enable javascript and cookies to continue|attention required"
        r"|ddos protection|cloudflare ray id|ray id:|press (?:&|and) hold|unusual traffic|"
        r"security check to access"
        r"|performance (?:&|and) security by|access denied|request blocked|bot (?:detection|protection)",
        re.I,
    ),
    "login_wall": re.compile(
        r"(?:sign|log) ?in to (?:continue|view|access)|please (?:sign|log) ?in|you must be (?:logged|"
        r"signed) in"
        r"|forgot (?:your )?password|(?:sign|log) ?in with (?:google|apple|facebook|email)|"
        r"session (?:has )?expired"
        r"|create (?:an|your) account to continue|enter your password",
        re.I,
    ),
    "error_page": re.compile(
        r"page (?:not found|isn't available|is not available|cannot be found|could not be found|"
        r"doesn't exist|does not exist)"
        r"|\b404\b|\b50[023]\b|not found|an? (?:unexpected )?error (?:has )?occurred|something went wrong"
        r"|try (?:again later|reloading)|refresh (?:this|the) page|internal server error|"
        r"service (?:temporarily )?unavailable"
        r"|bad gateway|gateway time-?out|oops|no longer available"
        r"|go back (?:home|to (?:the )?(?:home ?page|previous page))|return (?:to the )?home"
        # maintenance, offline and geo-blocking notices (a CDN serving a cached copy says so)
        r"|(?:is|are) currently offline|always online"
        r"|(?:scheduled |under |down for )maintenance|we(?:'ll| will) be back soon"
        r"|(?:not|isn't|is not) available in your (?:country|region|location)"
        r"|unavailable in your (?:country|region)"
        r"|failed to load|error loading|could not load|unable to load"
        # French
        r"|page (?:\w+ ){0,5}(?:est )?introuvable|(?:cette |la )page n['’]existe (?:pas|plus)"
        r"|r[ée]essa(?:yer|yez) (?:plus tard|ult[ée]rieurement)|d[ée]sol[ée]s? pour (?:les|ce|la g[êe]ne) \w*"
        r"|une erreur (?:s['’]est produite|est survenue|inattendue)|service (?:temporairement )?indisponible"
        r"|en (?:cours de )?maintenance|n['’]est pas disponible dans votre (?:pays|r[ée]gion)"
        r"|impossible de charger|erreur de chargement"
        # German
        r"|seite (?:\w+ ){0,4}nicht gefunden|seite existiert nicht|ein fehler ist aufgetreten"
        r"|wartungsarbeiten"
        r"|vor[üu]bergehend nicht verf[üu]gbar"
        r"|in ihrem land nicht verf[üu]gbar|sp[äa]ter erneut",
        re.I,
    ),
}
_PRIORITY: Final = ("bot_wall", "login_wall", "error_page")
SHORT_TEXT: Final = 1500
HEAD: Final = 400
MIN_TEXT: Final = 200


def _signatures(text: str) -> dict[str, int]:
    return {kind: len({m.group(0).lower() for m in rx.finditer(text)}) for kind, rx in _SIGNATURES.items()}


def _flat(text: str) -> str:
    return " ".join(plain(text).split())


def _wall_or_error(old_plain: str | None, new_plain: str, *, short: bool) -> str | None:
    if short:
        hits = _signatures(new_plain)
        for kind in _PRIORITY:
            if hits[kind]:
                return kind
        return None
    head = _signatures(new_plain[:HEAD])
    old_head = _signatures(old_plain[:HEAD]) if old_plain else dict.fromkeys(_PRIORITY, 0)
    for kind in _PRIORITY:
        if head[kind] >= 2 and old_head[kind] == 0:
            return kind
    return None


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def is_truncated(old_text: str, new_text: str) -> bool:
    """New text = the old text's opening lines, cut off, with a missing tail that is not a duplicate."""
    if len(new_text) > 0.92 * len(old_text):
        return False
    new_lines, old_lines = _lines(new_text), _lines(old_text)
    if len(new_lines) < 2 or len(old_lines) < 4:
        return False
    last, before_last = new_lines[-1], new_lines[-2]
    cut = next(
        (
            j
            for j in range(1, len(old_lines))
            if old_lines[j].startswith(last) and old_lines[j - 1] == before_last
        ),
        None,
    )
    if cut is None:
        return False
    old_set = set(old_lines[: cut + 1])
    if sum(line in old_set for line in new_lines) < 0.9 * len(new_lines):
        return False
    new_set = set(new_lines)
    tail = [line for line in old_lines[cut + 1 :] if len(line) > 40]
    if not tail:
        return False
    duplicated = sum(line in new_set for line in tail)
    return duplicated < 0.5 * len(tail)


@cache
def _identifier() -> LanguageIdentifier:
    # One model per process (~85 MB, ~0.5 s to read), loaded on first use and shared with the version facts.
    from monitor.core.facts import language_identifier

    return language_identifier()


def language(text: str) -> str | None:
    """Confident language of a text sample (head and middle), or None."""
    sample = _flat(text[:2000] + " " + text[len(text) // 2 : len(text) // 2 + 2000])
    if sum(ch.isalpha() for ch in sample) < 200:
        return None
    lang, prob = _identifier().classify(sample)
    return str(lang) if prob >= 0.95 else None


_NOTICE_CLAUSE: Final = 400  # an error or maintenance notice is a few short lines, not a policy section


def detect_partial(diff: ClauseDiff) -> str | None:
    """``partial_capture`` when an error, maintenance or geo-block notice took the place of part of the page:
    a short new clause carrying an error signature while the policy text around it disappeared."""
    removed = sum(
        len(c.old.text) for c in diff.changes if c.old is not None and c.kind in ("removed", "modified")
    )
    for change in diff.changes:
        if change.new is None or change.kind not in ("added", "modified"):
            continue
        if len(change.new.text) > 2 * _NOTICE_CLAUSE:
            continue
        text = _flat(change.new.text)
        # Cheap tests first: the signature pattern is large, and most short clauses replaced nothing.
        if len(text) > _NOTICE_CLAUSE or removed <= len(text) or not _SIGNATURES["error_page"].search(text):
            continue
        if change.old is not None and _SIGNATURES["error_page"].search(_flat(change.old.text)):
            continue
        return "partial_capture"  # the notice stands where longer policy text stood
    return None


# Words every privacy policy uses, in any supported language: a capture without them is not the policy.
_POLICY_WORDS: Final = re.compile(
    r"\b(?:personal (?:data|information)|privacy|données (?:personnelles|à caractère personnel)"
    r"|confidentialité|personenbezogene\w*|datenschutz\w*|cookies?|consent|consentement|einwilligung)\b",
    re.I,
)


def not_a_policy(old_text: str, new_text: str) -> bool:
    """The capture is another page (a home or marketing page served instead of the policy): the old text
    spoke the language of privacy policies and the new one hardly does."""
    old_hits = len(_POLICY_WORDS.findall(old_text))
    if old_hits < 10:
        return False
    old_rate = old_hits / max(len(old_text), 1)
    new_rate = len(_POLICY_WORDS.findall(new_text)) / max(len(new_text), 1)
    return new_rate < 0.15 * old_rate


def detect_anomaly(old_text: str | None, new_text: str, *, check_language: bool = True) -> str | None:
    """error_page | bot_wall | login_wall | too_short | language_changed | None for a new capture."""
    # Only the head is read for signatures (cheap on 100 kB texts).
    new_head = _flat(new_text[: 4 * SHORT_TEXT])
    new_len = len(new_text.strip())
    old_head = _flat(old_text[: 4 * SHORT_TEXT]) if old_text else None
    kind = _wall_or_error(old_head, new_head, short=new_len < SHORT_TEXT * 0.8)
    if kind:
        return kind
    if new_len < MIN_TEXT * 0.8:
        return "too_short"
    if old_text is None:
        return None
    old_len = len(old_text.strip())
    if new_len < 0.25 * old_len and new_len < 3000:
        return "too_short"
    if is_truncated(old_text, new_text):
        return "too_short"
    if not_a_policy(old_text, new_text):
        return "error_page"
    if check_language:
        old_lang, new_lang = language(old_text), language(new_text)
        if old_lang and new_lang and old_lang != new_lang:
            return "language_changed"
    return None
