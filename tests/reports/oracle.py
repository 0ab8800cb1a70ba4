"""An independent oracle for the gap analysis, written from CONTRACT.md section 4.

Plain Python over the raw responses. It shares no code with ``reports``: if the engine
and this file agree on random cycles, both read the contract the same way.
Returns exact values (Fractions; sd as float) with no rounding.
"""

from __future__ import annotations

import math
from fractions import Fraction

ANON = ["peer", "direct_report", "other"]
ALL = ["self", "boss", "peer", "direct_report", "other"]


def _mean(values):
    return Fraction(sum(values), len(values)) if values else None


def _sd(values):
    if len(values) < 2:
        return None
    m = Fraction(sum(values), len(values))
    return math.sqrt(sum((Fraction(v) - m) ** 2 for v in values) / (len(values) - 1))


def oracle(responses, items, k, t):
    """responses: [(relationship, {item_id: value or None}, {question_id: text})], all submitted.
    items: [(item_id, behaviour, pole)] in order. t: Fraction."""
    out = {"groups": {}, "items": {}, "poles": {}, "blind_spots": [], "hidden_strengths": []}
    # Raters (by position in responses) with at least one rating inside an others mean.
    counted = set()
    for g in ALL:
        n = sum(1 for rel, _, _ in responses if rel == g)
        out["groups"][g] = {"n": n, "shown": n > 0 if g in ("self", "boss") else n >= k}
    out["groups"]["others"] = {"n": sum(1 for rel, _, _ in responses if rel != "self")}

    for item_id, _, _ in items:
        raters = {
            g: [
                i
                for i, (rel, r, _) in enumerate(responses)
                if rel == g and r.get(item_id) is not None
            ]
            for g in ALL
        }
        ratings = {g: [responses[i][1][item_id] for i in raters[g]] for g in ALL}
        scores = {}
        for g in ("self", "boss"):
            if ratings[g]:
                scores[g] = ratings[g]
        others = list(ratings["boss"])
        counted.update(raters["boss"])
        pool, pool_raters = [], []
        for g in ANON:
            if len(ratings[g]) >= k:
                scores[g] = ratings[g]
                others += ratings[g]
                counted.update(raters[g])
            else:
                pool += ratings[g]
                pool_raters += raters[g]
        if len(pool) >= k:
            others += pool
            counted.update(pool_raters)
        if others:
            scores["others"] = others
        out["items"][item_id] = {
            g: {"mean": _mean(v), "n": len(v), "sd": _sd(v)} for g, v in scores.items()
        }
        self_mean = _mean(scores.get("self", []))
        others_mean = _mean(scores.get("others", []))
        gap = None if self_mean is None or others_mean is None else self_mean - others_mean
        out["items"][item_id]["gap"] = gap
        if gap is not None and gap >= t:
            out["blind_spots"].append(item_id)
        if gap is not None and -gap >= t:
            out["hidden_strengths"].append(item_id)

    out["groups"]["others"]["counted"] = len(counted)

    # Comments: self and boss always; an anonymous group's only from k submitted surveys.
    out["comments"] = sorted(
        (question, rel, text)
        for rel, _, comments in responses
        for question, text in comments.items()
        if text and (rel in ("self", "boss") or out["groups"][rel]["n"] >= k)
    )

    for _, behaviour, pole in items:
        for g in [*ALL, "others"]:
            means = [
                out["items"][i][g]["mean"]
                for i, b, p in items
                if b == behaviour and p == pole and g in out["items"][i]
            ]
            out["poles"][behaviour, pole, g] = sum(means) / len(means) if means else None
    return out


def rounded(value):
    """Two decimals, half away from zero, as the contract publishes."""
    if value is None:
        return None
    exact = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
    sign = -1 if exact < 0 else 1
    scaled = abs(exact) * 100
    whole = math.floor(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return sign * whole / 100
