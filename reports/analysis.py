"""The published document of contract section 4, from the reportable cells.

The database does the heavy part (``reports.sql``): it aggregates the ratings per
request, item and rater group and applies the anonymity rules, leaving for each item
the count, sum and sum of squares of every group whose ratings may be shown, and of
``others``. This module turns those few numbers into the published figures. It never
sees an individual rating, and it computes with exact fractions so that a threshold
comparison is never decided by a floating-point accident; numbers are rounded to two
decimals (half away from zero) only when published.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from feedback.vocabulary import ANONYMOUS as ANONYMOUS_GROUPS
from feedback.vocabulary import BOSS, LEADERSHIP, MANAGEMENT, OTHERS, POLES, SELF
from feedback.vocabulary import GROUPS as PUBLISHED_GROUPS
from feedback.vocabulary import RELATIONSHIPS as RATER_GROUPS

# Profile cut-offs on the others' pole scores (1..5 scale), documented in docs/gap-analysis.md.
STRONG_POLE = Fraction(7, 2)  # 3.5: "usually" or better
CLEAR_DIFFERENCE = Fraction(1, 2)  # half a scale point between the poles
DISAGREEMENT_SD = 1.0
HIGHLIGHTS = 3


@dataclass(frozen=True)
class Stat:
    """Count, sum and sum of squares of some ratings: enough for an exact mean and sd."""

    n: int = 0
    total: int = 0
    squares: int = 0

    def __add__(self, other: Stat) -> Stat:
        return Stat(self.n + other.n, self.total + other.total, self.squares + other.squares)

    @property
    def mean(self) -> Fraction:
        return Fraction(self.total, self.n)

    @property
    def variance(self) -> Fraction | None:
        """Sample variance; None below two ratings."""
        if self.n < 2:
            return None
        return Fraction(self.n * self.squares - self.total**2, self.n * (self.n - 1))

    @property
    def sd(self) -> float | None:
        variance = self.variance
        return None if variance is None else math.sqrt(variance)


@dataclass(frozen=True)
class ItemInfo:
    id: int
    behaviour: str
    pole: str
    text: str


@dataclass(frozen=True)
class CommentRow:
    question_id: int
    question: str
    group: str
    text: str


def comment_shuffle_rank(comment: CommentRow, key: bytes) -> str:
    """A comment's place in a shuffled list: an HMAC of what it says and where, keyed by a
    secret. Stable between readings (a reader who reloads sees the same order, so two
    readings compare to nothing), unrelated to ids, times or the writer, and not
    computable without the key."""
    message = f"{comment.question_id}\n{comment.group}\n{comment.text}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# A float (a standard deviation, a team mean averaged by the database) is read to this
# many significant digits before rounding: far more than any published figure needs, and
# enough to drop the last bits of binary error, so a float 3.1249999999999996 that stands
# for 3.125 rounds as 3.125 does, and 2.675 (stored as 2.67499999...) rounds to 2.68.
FLOAT_DIGITS = 12


def round_half_away(value: Fraction | Decimal | float | int | None, places: int = 2):
    """The one rounding rule of every published number (CONTRACT.md section 4): ``places``
    decimals, half away from zero (3.125 -> 3.13, -3.125 -> -3.13), from the exact value.

    Fractions (every figure computed from ratings) are rounded exactly, with integers;
    floats as the decimal they stand for (``FLOAT_DIGITS``). Returns a float, or an int
    for ``places=0``; None stays None.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot round {value!r}")
        value = Fraction(Decimal(format(value, f".{FLOAT_DIGITS}g")))
    exact = Fraction(value)
    scale = 10**places
    scaled = abs(exact) * scale
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    if exact < 0:
        whole = -whole
    if places == 0:
        return whole
    return float(Fraction(whole, scale))


def r2(value: Fraction | float | None) -> float | None:
    """Two decimals, half away from zero, from the exact value (``round_half_away``)."""
    return round_half_away(value, 2)


def _mean(values: Iterable[Fraction]) -> Fraction | None:
    values = list(values)
    return sum(values, Fraction(0)) / len(values) if values else None


def _diff(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a - b


def profile(leadership: Fraction | None, management: Fraction | None) -> str | None:
    """Plain words for one behaviour from the others' pole scores."""
    if leadership is None or management is None:
        return None
    if leadership - management >= CLEAR_DIFFERENCE:
        return "leads more than manages"
    if management - leadership >= CLEAR_DIFFERENCE:
        return "manages more than leads"
    if leadership >= STRONG_POLE and management >= STRONG_POLE:
        return "leads and manages"
    return "both to develop"


def document(
    *,
    items: list[ItemInfo],
    surveys: dict[str, int],
    cells: dict[tuple[int, str], Stat],
    comments: list[CommentRow],
    k: int,
    threshold: Fraction,
    question_order: dict[int, int],
    others_counted: int | None = None,
    shuffle_key: bytes | None = None,
) -> dict:
    """The published figures of one request, from its reportable cells.

    ``cells`` maps (item id, group) to the Stat of the ratings the anonymity rules let
    through, ``others`` included: PostgreSQL (or SQLite) computed them in
    ``reports.sql``. ``surveys``: submitted surveys per rater group.
    ``others_counted``: raters with a rating inside an ``others`` item mean (also from
    ``reports.sql``; None on a row computed before it existed). ``shuffle_key``: set when
    the cycle shuffles comments, the secret their order within a group is keyed by. Returns the
    section-4 document without the request/subject/cycle header, which the caller adds.
    """
    survey_n = {g: surveys.get(g, 0) for g in RATER_GROUPS}
    groups = {
        SELF: {"n": survey_n[SELF], "shown": survey_n[SELF] > 0},
        BOSS: {"n": survey_n[BOSS], "shown": survey_n[BOSS] > 0},
        **{g: {"n": survey_n[g], "shown": survey_n[g] >= k} for g in ANONYMOUS_GROUPS},
        OTHERS: {
            "n": sum(survey_n[g] for g in RATER_GROUPS if g != SELF),
            "shown": False,
            # n counts surveys; counted, the people actually behind the others figures.
            "counted": others_counted,
        },
    }

    shown: dict[int, dict[str, Stat]] = {item.id: {} for item in items}
    for (item_id, group), stat in cells.items():
        if item_id in shown and stat.n > 0:
            shown[item_id][group] = stat
    groups[OTHERS]["shown"] = any(OTHERS in s for s in shown.values())

    def item_mean(item_id: int, group: str) -> Fraction | None:
        stat = shown[item_id].get(group)
        return stat.mean if stat else None

    gaps = {item.id: _diff(item_mean(item.id, SELF), item_mean(item.id, OTHERS)) for item in items}

    item_docs = []
    for item in items:
        scores = shown[item.id]
        item_docs.append(
            {
                "id": item.id,
                "behaviour": item.behaviour,
                "pole": item.pole,
                "text": item.text,
                "scores": {
                    g: (
                        {"mean": r2(scores[g].mean), "n": scores[g].n, "sd": r2(scores[g].sd)}
                        if g in scores
                        else None
                    )
                    for g in PUBLISHED_GROUPS
                },
                "self_others_gap": r2(gaps[item.id]),
            }
        )

    behaviours_in_order = list(dict.fromkeys(item.behaviour for item in items))
    pole_scores: dict[tuple[str, str], dict[str, Fraction | None]] = {}
    for behaviour in behaviours_in_order:
        for pole in POLES:
            pole_items = [i.id for i in items if i.behaviour == behaviour and i.pole == pole]
            pole_scores[behaviour, pole] = {
                g: _mean(m for i in pole_items if (m := item_mean(i, g)) is not None)
                for g in PUBLISHED_GROUPS
            }

    behaviour_docs = []
    for behaviour in behaviours_in_order:
        lead, manage = pole_scores[behaviour, LEADERSHIP], pole_scores[behaviour, MANAGEMENT]
        behaviour_docs.append(
            {
                "behaviour": behaviour,
                LEADERSHIP: {g: r2(lead[g]) for g in PUBLISHED_GROUPS},
                MANAGEMENT: {g: r2(manage[g]) for g in PUBLISHED_GROUPS},
                "balance": {g: r2(_diff(lead[g], manage[g])) for g in PUBLISHED_GROUPS},
                "self_others_gap": {
                    LEADERSHIP: r2(_diff(lead[SELF], lead[OTHERS])),
                    MANAGEMENT: r2(_diff(manage[SELF], manage[OTHERS])),
                },
                "profile": profile(lead[OTHERS], manage[OTHERS]),
            }
        )

    position = {item.id: index for index, item in enumerate(items)}
    rated = [item.id for item in items if OTHERS in shown[item.id]]
    by_mean_desc = sorted(rated, key=lambda i: (-shown[i][OTHERS].mean, position[i]))
    strengths = by_mean_desc[:HIGHLIGHTS]
    by_mean_asc = sorted(rated, key=lambda i: (shown[i][OTHERS].mean, position[i]))
    to_develop = [i for i in by_mean_asc if i not in strengths][:HIGHLIGHTS]
    # sd >= 1 exactly when the variance >= 1: compare the exact value.
    disagreements = [
        i
        for i in rated
        if (var := shown[i][OTHERS].variance) is not None and var >= DISAGREEMENT_SD
    ]

    group_order = {g: index for index, g in enumerate(RATER_GROUPS)}
    visible = [c for c in comments if c.group in (SELF, BOSS) or survey_n.get(c.group, 0) >= k]
    if shuffle_key is None:
        # Never in submission order: by question, then group, then the text itself.
        visible_comments = sorted(
            visible,
            key=lambda c: (question_order.get(c.question_id, 0), group_order[c.group], c.text),
        )
    else:
        # By group, then in an order only the secret predicts, across the questions.
        visible_comments = sorted(
            visible, key=lambda c: (group_order[c.group], comment_shuffle_rank(c, shuffle_key))
        )

    return {
        "groups": groups,
        "items": item_docs,
        "behaviours": behaviour_docs,
        "blind_spots": [i.id for i in items if gaps[i.id] is not None and gaps[i.id] >= threshold],
        "hidden_strengths": [
            i.id for i in items if gaps[i.id] is not None and -gaps[i.id] >= threshold
        ],
        "strengths": strengths,
        "to_develop": to_develop,
        "disagreements": disagreements,
        "comments": [
            {"question": c.question, "group": c.group, "text": c.text} for c in visible_comments
        ],
    }
