"""Change since an earlier cycle (issue 16), from two published documents only.

Pure functions: the section-4 document of this cycle and of an earlier released cycle of
the same subject in, the comparison out. Nothing here reads a rating or a stored cell:
every number is a function of figures the two released reports already publish (item
means with their n, item sds), so the comparison cannot reveal more than they do
(docs/gap-analysis.md, "Change since the last cycle").

Statements are matched by their stable key (``feedback.models.Item.key``), never by id,
and only when behaviour and pole agree too. A pole score is compared over the matched
statements the group has a published mean for in *both* cycles, so like is compared
with like; when every statement matches that is exactly the published pole score.
"""

from __future__ import annotations

import math
from fractions import Fraction

from feedback.vocabulary import GROUPS as PUBLISHED_GROUPS
from feedback.vocabulary import (
    LEADERSHIP,
    MANAGEMENT,
    OTHERS,
    POLES,
    RELATIONSHIPS,
    SELF,
)
from reports.analysis import r2

# A change is notable when it exceeds this many standard errors of the difference
# (about 95% two-sided for independent samples): see docs/gap-analysis.md.
NOTABLE_STANDARD_ERRORS = 2
# A published mean of n ratings is a multiple of 1/n: below this n, its two decimals
# name exactly one such multiple, the exact mean the report was computed from.
EXACT_BELOW_N = 100


def published_exact(mean: float, n: int) -> Fraction:
    """The exact mean a published two-decimal mean of n ratings stands for.

    Multiples of 1/n lie more than 0.01 apart for n < 100, and the published mean is
    within 0.005 of the exact one, so the nearest multiple is the exact mean: this
    adds nothing the report does not already say. From n = 100 the published mean is
    used as it stands.
    """
    published = Fraction(str(mean))
    if n >= EXACT_BELOW_N:
        return published
    return Fraction(round(published * n), n)


def _cell(item: dict, group: str) -> dict | None:
    return (item.get("scores") or {}).get(group)


class _Pole:
    """One group's pole score over a set of statements, with a standard error bound."""

    def __init__(self, cells: list[dict]):
        means = [published_exact(c["mean"], c["n"]) for c in cells]
        self.score = sum(means, Fraction(0)) / len(means) if means else None
        # The standard error of a mean of item means is at most the mean of the items'
        # standard errors (sd / sqrt(n)), whatever the correlation between items: a
        # deliberately cautious bound. Unknown when an item has no sd (one rating).
        if means and all(c.get("sd") is not None and c["n"] >= 2 for c in cells):
            self.se = sum(c["sd"] / math.sqrt(c["n"]) for c in cells) / len(cells)
        else:
            self.se = None


def _figure(
    now: Fraction | None, before: Fraction | None, se_now: float | None, se_before: float | None
) -> dict | None:
    if now is None or before is None:
        return None
    difference = now - before
    notable = False
    if se_now is not None and se_before is not None:
        spread = NOTABLE_STANDARD_ERRORS * math.hypot(se_now, se_before)
        notable = abs(float(difference)) > spread
    return {
        "before": r2(before),
        "now": r2(now),
        "change": r2(difference),
        "notable": notable,
    }


def _sum_se(*values: float | None) -> float | None:
    return None if any(v is None for v in values) else sum(values)


def comparison(
    *, now: dict, before: dict, keys_now: dict[int, str], keys_before: dict[int, str]
) -> dict:
    """This cycle's document against one earlier cycle's: per behaviour, every group's
    leadership and management scores, balance and the self-others gap, each as
    ``{"before", "now", "change", "notable"}`` or null where the group was not shown in
    both cycles. ``keys_*``: item id -> stable key, for the statements of each document."""
    before_by_key = {}
    for item in before["items"]:
        key = keys_before.get(item["id"])
        if key is not None:
            before_by_key[key] = item
    pairs: list[tuple[dict, dict]] = []
    not_compared = []
    for item in now["items"]:
        old = before_by_key.get(keys_now.get(item["id"], ""))
        if old is None or (old["behaviour"], old["pole"]) != (item["behaviour"], item["pole"]):
            not_compared.append(item["id"])
        else:
            pairs.append((item, old))
    matched_before = {id(old) for _, old in pairs}

    def poles(behaviour: str, pole: str, group: str) -> tuple[_Pole, _Pole]:
        both = [
            (_cell(new, group), _cell(old, group))
            for new, old in pairs
            if new["behaviour"] == behaviour
            and new["pole"] == pole
            and _cell(new, group)
            and _cell(old, group)
        ]
        return _Pole([n for n, _ in both]), _Pole([o for _, o in both])

    behaviours = []
    for behaviour in dict.fromkeys(item["behaviour"] for item in now["items"]):
        scores = {(pole, g): poles(behaviour, pole, g) for pole in POLES for g in PUBLISHED_GROUPS}
        entry = {"behaviour": behaviour}
        for pole in POLES:
            entry[pole] = {
                g: _figure(
                    scores[pole, g][0].score,
                    scores[pole, g][1].score,
                    scores[pole, g][0].se,
                    scores[pole, g][1].se,
                )
                for g in PUBLISHED_GROUPS
            }
        balance = {}
        for g in PUBLISHED_GROUPS:
            (lead_now, lead_before), (manage_now, manage_before) = (
                scores[LEADERSHIP, g],
                scores[MANAGEMENT, g],
            )
            balance[g] = _figure(
                _less(lead_now.score, manage_now.score),
                _less(lead_before.score, manage_before.score),
                _sum_se(lead_now.se, manage_now.se),
                _sum_se(lead_before.se, manage_before.se),
            )
        entry["balance"] = balance
        gaps = {}
        for pole in POLES:
            (self_now, self_before), (others_now, others_before) = (
                scores[pole, SELF],
                scores[pole, OTHERS],
            )
            # The subject's own view is one person's, with no spread to judge: the gap's
            # uncertainty is the others' score's.
            gaps[pole] = _figure(
                _less(self_now.score, others_now.score),
                _less(self_before.score, others_before.score),
                others_now.se,
                others_before.se,
            )
        entry["self_others_gap"] = gaps
        behaviours.append(entry)

    counts = {
        g: {"before": before["groups"][g]["n"], "now": now["groups"][g]["n"]}
        for g in (*RELATIONSHIPS, OTHERS)
    }
    return {
        "request": before["request"],
        "groups": counts,
        # Who answered differs: part of any change may come from who answered.
        "rater_mix_changed": any(counts[g]["before"] != counts[g]["now"] for g in RELATIONSHIPS),
        "statements": {
            "compared": len(pairs),
            "not_compared": not_compared,
            "no_longer_asked": sum(1 for item in before["items"] if id(item) not in matched_before),
        },
        "behaviours": behaviours,
    }


def _less(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a - b
