"""One calibrated score from a tip's evidence for a story, and its recalibration from
editors' decisions (docs/stories.md).

    z = BIAS + CONTENT·content + NAMES·names + DISTINCT·distinct
        - CONFLICT·conflict - GAP·min(gap_days, event_gap_days) + SAME_DAYS·[same days] - OTHER_DAYS·[days apart]
    (on a young desk, before its common meaning is known: MEANING·(meaning - MEANING_BASE) for DISTINCT·distinct)
    p = sigmoid(scale·z + shift)            # scale 1, shift 0 until editors say otherwise

The weights read as log-odds: a random pair of tips on a desk tells one story
about once in 170 (BIAS); a content cosine of 0.15 (half the same-story pairs of a
desk reach it, one pair of different stories in a hundred passes 0.1) is worth +3;
each bit of shared rare names +0.3; both naming a place or an institution the other
never mentions -2.5 (the same kind of event elsewhere); each day apart -0.5 (readers of one event write
within a day or two of it: same-story pairs of a desk lie 1.6 days apart on average, other pairs 5.8).
A story of several tips is also joined below the join when two of its members, each
compared alone, score the tip at AGREE or more (and its centroid at AGREE_STORY or more).
Editors' decisions then fit (scale, shift) by maximum a posteriori logistic
regression with a prior at "no change" worth PRIOR_DECISIONS decisions, which moves
the effective join and suggest thresholds, as topic corrections retrain topics.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inbox.sort.stories_evidence import Evidence

BIAS = -5.0
CONTENT = 20.0
NAMES = 0.3
MEANING = 6.0  # the plain meanings' cosine, on a desk too young to know its common meaning
MEANING_BASE = 0.6
# The cosine with the desk's common meaning taken away (inbox.sort.stories_meaning): unrelated tips score
# about 0 (the plain cosine's 0.6), and its spread is 1.5 times the plain one's, so 4 weighs it as MEANING did.
DISTINCT = 4.0
CONFLICT = 2.5
GAP = 0.5
PRIOR_DECISIONS = 10.0  # how many decisions the default calibration is worth against the editors'
# A story of several tips is also joined when at least AGREE_MEMBERS of its members, each compared alone,
# score at least AGREE (logit -1.5): two accounts that each find the tip plausible are more than one. Were
# they independent, two at this level would sum to 2(-1.5 - BIAS) + BIAS = +2.0, far above the join (+0.85);
# they share the tip's words, so the margin is left for that. The centroid score alone blurs such a tip:
# it holds every member's other words too.
AGREE = 0.18
AGREE_MEMBERS = 2
AGREE_STORY = 0.05  # ... and only a story whose centroid scores at least this (logit -3) is read member by member


# The days the tips say their event happened (inbox.sort.stories_days): the gap is counted from them too
# (a reader who writes Sunday about Friday's storm is 0 days from Friday's), and two tips that both name
# their event's days score +SAME_DAYS when they share one and -OTHER_DAYS when those lie two days apart or
# more. OTHER_DAYS is about the log of how much rarer far-apart days are between one story's tips than
# between others' on a desk (one pair in twelve against one in four); SAME_DAYS a third or less of what
# sharing one is worth alone, since the gap and the content words already count much of it.
SAME_DAYS = 0.5
OTHER_DAYS = 1.0


def logit(e: Evidence | dict) -> float:
    """The default score's log-odds that the tip tells the story."""
    get = e.get if isinstance(e, dict) else lambda k: getattr(e, k)
    if isinstance(e, dict):  # an editor's decision, as stored (Evidence.numbers())
        gap, distinct, event_gap, same = e["gap_days"], e.get("distinct"), e.get("event_gap_days"), e.get("same_days")
    else:
        gap, distinct, event_gap, same = e.gap, e.distinct, e.event_gap, e.same_days
    if event_gap is not None and event_gap < gap:
        gap = event_gap
    days = SAME_DAYS if same == 1 else -OTHER_DAYS if same == -1 else 0.0
    meaning = MEANING * (get("meaning") - MEANING_BASE) if distinct is None else DISTINCT * distinct
    return (BIAS + CONTENT * get("content") + NAMES * get("names") + meaning - CONFLICT * get("conflict") - GAP * gap
            + days)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@dataclass(frozen=True)
class Calibration:
    scale: float = 1.0
    shift: float = 0.0
    decisions: int = 0  # editors' decisions it was fitted on

    def probability(self, z: float) -> float:
        return sigmoid(self.scale * z + self.shift)

    def threshold(self, p: float) -> float:
        """The default score's probability at which this calibration reaches p (what a
        threshold set in the configuration means after editors moved it)."""
        z = (math.log(p / (1 - p)) - self.shift) / self.scale
        return sigmoid(z)


def fit(points: list[tuple[float, bool]], prior: float = PRIOR_DECISIONS) -> Calibration:
    """(scale, shift) from editors' (default logit, same story?) decisions: Newton steps on
    the logistic likelihood plus a Gaussian prior at (1, 0) worth `prior` decisions."""
    if not points:
        return Calibration()
    z = np.array([p[0] for p in points], dtype=float)
    y = np.array([1.0 if p[1] else 0.0 for p in points])
    x = np.stack([z, np.ones_like(z)], axis=1)
    theta = np.array([1.0, 0.0])
    centre = theta.copy()
    ridge = prior / 4.0  # the logistic curvature at p = 0.5 is 1/4 a decision
    for _ in range(25):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -40, 40)))
        grad = x.T @ (p - y) + ridge * (theta - centre)
        hess = (x * (p * (1 - p))[:, None]).T @ x + ridge * np.eye(2)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    scale = float(max(0.1, theta[0]))  # never turned upside down by a few odd decisions
    return Calibration(round(scale, 4), round(float(theta[1]), 4), len(points))
