"""Materiality engine: is a policy change worth a person's attention, how much, and why.

``classify(old_text, new_text, diff, *, language="en") -> Judgement`` is pure and deterministic; it reads
only the changed clauses of ``diff`` (from ``monitor.core.diff.diff_clauses``) plus the two texts (for
anomaly checks). ``language`` picks the lexicon (``language.SUPPORTED_LANGUAGES``: en, fr, de); the rules are
the same in every language and reasons are in English, quoting the policy's words. A language without a
lexicon gives ``supported=False``, ``material=False`` and the summary "judgement: unsupported language (xx)".

How a change is judged
----------------------
1. **Anomaly first.** If the new text is not a policy version - an error page, a bot wall (Cloudflare
   "Just a moment", captcha), a login wall, a near-empty or truncated capture, or a text in another
   language than before - the judgement has ``anomaly`` set, ``material=False``, severity ``none``, and
   every clause judgement is non-material. ``detect_anomaly(old_text, new_text)`` runs the same check on
   its own (also on a first version, ``old_text=None``).
2. **Each changed clause** gets categories (15 fixed ids, ``CATEGORIES``) from a lexicon of policy
   language: strong cues first (``lexicon.TOPIC``, statements such as "we share … with advertisers"),
   weak cues ("secure", "the data we collect", "parents") only when no strong cue names any category
   (``topics``), and the section heading only when the clause's own words name none. A *modified*
   clause is given the categories of its trigger, not of everything it mentions: the flipped verb's
   category plus specific ones of its sentence ("do not collect from children" → children), the term
   that appeared or disappeared, or the categories the changed words name (``practice``).
3. **Material or not depends on what changed, not on the topic.**
   *Modified* clauses: cosmetic edits are discarded first (dates, case, punctuation and Oxford commas,
   links and URLs, Markdown, invisible characters, hyphenation and spacing, British/American spelling,
   listed synonyms such as "generally"/"usually", one-letter typos and plural slips). What remains is
   material when it triggers a rule: a negation flip on a practice verb ("will not sell" → "may sell"),
   a limiter removed or added ("only"), a qualifier added ("by default", "except"), a commitment weakened
   ("will" → "may"), a changed duration/age/response time, or a named term that appears or disappears -
   a party, data type, purpose, country (in a storage/transfer sentence), right, safeguard or notice term.
   *Added/removed* clauses are material when they state a practice in some category; date lines,
   consent banners, navigation, and wording that survives elsewhere in the other version are not.
   *Moved* clauses are never material.
4. **Direction** per clause: adding a practice or removing a protection is ``less_protective``; removing
   a practice ("we may sell…" deleted) or adding a protection (a right or choice, user control,
   consent, deletion, a safeguard, a "we do not…" promise) is ``more_protective``; both in one clause
   is ``mixed``. A clause that states an affirmative practice is a practice even with an opt-out
   attached, and a disclaimer ("we do not secure data sent to third-party apps") is no protection.
   Contact-only clauses have no direction. The document direction combines the material clauses
   (both ways → ``mixed``; none → ``neutral``).

Severity rules (alerts default to ≥ medium)
-------------------------------------------
* ``none``: not material (including every anomaly).
* ``high``: material changes touching ``sale`` or ``sensitive_data``; AI/model-training purposes;
  negation flips on a practice verb; new parties receiving data; a clause added that shares data.
* ``medium``: any other material change with a direction (retention, rights, transfers, notice of
  changes, security, collection, children, …).
* ``low``: material changes that are ``contact``-only or have neutral direction (a new DPO address, a
  reworded clause whose effect cannot be told).
The document severity is the highest clause severity.

Reading reasons
---------------
Each material clause judgement carries short reasons that can be checked against the word diff:
``negation removed: "does not share" → "may share"``, ``retention lengthened: "as long as your account is
active" → "ten years"``, ``new data type: facial data``, ``new party: data brokers``, ``new purpose: AI model
training``, ``new country: China``, ``right removed: deletion``, ``notice weakened: "…" → "…"``,
``clause added (sharing, advertising): "…"`` (quoting the clause), ``wording changed: "…" → "…"`` (a
substantive rewrite with no sharper trigger). ``Judgement.summary`` states the verdict (material or not,
severity, direction), the areas affected and the two strongest reasons, in one or two sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.core.materiality.anomaly import detect_anomaly, detect_partial
from monitor.core.materiality.clause_rules import NOT_MATERIAL, TextKeys, judge_change, survives
from monitor.core.materiality.language import SUPPORTED_LANGUAGES, base_language, lexicon_for
from monitor.core.materiality.lexicon import CATEGORIES
from monitor.core.materiality.summary import combine_direction, document_categories, max_severity, summarise
from monitor.core.materiality.types import SEVERITY_ORDER, ChangeJudgement, Direction, Judgement, Severity
from monitor.core.materiality.wording import same_wording

if TYPE_CHECKING:
    from monitor.core.diff import ClauseChange, ClauseDiff

__all__ = [
    "CATEGORIES",
    "SEVERITY_ORDER",
    "SUPPORTED_LANGUAGES",
    "ChangeJudgement",
    "Direction",
    "Judgement",
    "Severity",
    "classify",
    "detect_anomaly",
]


def _superseded_copy(
    changes: tuple[ClauseChange, ...], judged: tuple[ChangeJudgement, ...], keys: TextKeys
) -> bool:
    """Only removals are material, and most removed clauses still stand word for word in the new text: the
    page dropped a superseded copy of the policy it already showed in its new version, which is no change of
    practice (the few sentences that differ were the old wording, already replaced)."""
    if any(j.material and c.kind != "removed" for c, j in zip(changes, judged, strict=True)):
        return False
    removed = [c.old.text for c in changes if c.kind == "removed" and c.old is not None]
    if len(removed) < 5:
        return False
    new = keys.get("new")
    surviving = sum(survives(text, new) for text in removed)
    return surviving >= 0.6 * len(removed)


def classify(old_text: str | None, new_text: str, diff: ClauseDiff, *, language: str = "en") -> Judgement:
    """Judge the change from ``old_text`` to ``new_text`` whose clause diff is ``diff``, written in
    ``language`` (ISO 639-1; the version's detected language). A language without a lexicon is judged
    ``supported=False``: never material, and the summary says the judgement could not be made."""
    changes = diff.changes
    code = base_language(language)
    lex = lexicon_for(code)
    # A language switch rewrites nearly every clause; when most clauses are unchanged, skip the model.
    check_language = old_text is not None and len(changes) > diff.unchanged
    anomaly = detect_anomaly(old_text, new_text, check_language=check_language) or detect_partial(diff)
    if anomaly or lex is None:
        judged = tuple(NOT_MATERIAL for _ in changes)
        summary = (
            summarise(judged, "none", "neutral", (), anomaly, len(changes))
            if anomaly
            else f"judgement: unsupported language ({code})"
        )
        return Judgement(False, "none", (), "neutral", anomaly, summary, judged, code, lex is not None)
    keys = TextKeys(old_text, new_text)
    judged = tuple(judge_change(c, keys, lex) for c in changes)
    material = [j for j in judged if j.material]
    if material and (
        (old_text is not None and same_wording(old_text, new_text)) or _superseded_copy(changes, judged, keys)
    ):
        judged = tuple(NOT_MATERIAL for _ in changes)  # a page-wide spelling or markup sweep, or an old copy
        material = []
    if not material:
        summary = summarise(judged, "none", "neutral", (), None, len(changes))
        return Judgement(False, "none", (), "neutral", None, summary, judged, code, True)
    severity = max_severity([j.severity for j in material])
    direction = combine_direction(material)
    categories = document_categories(material)
    summary = summarise(judged, severity, direction, categories, None, len(changes))
    return Judgement(True, severity, categories, direction, None, summary, judged, code, True)
