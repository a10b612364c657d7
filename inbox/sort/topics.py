"""Rules + learned model -> a topic, with the reasons.

The desk's rules are data (config, or the built-in desk.toml); this module
compiles them once and reads them top to bottom. A hard rule decides alone;
otherwise the rules' confidence and the model's calibrated probability blend,
and a blend below min_confidence sends the tip to the triage topic.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Mapping

from inbox.config import ConfigError, RuleSettings, SortingSettings, TopicSettings, from_dict
from inbox.sort.text import Scan, SortInput

RULE_KINDS = ("keyword", "phrase", "regex", "sender_domain")
_WORD = re.compile(r"\w+")
# A rule word in the subject counts this much more: the reader's own headline says what the story is.
SUBJECT_WEIGHT = 1.5


@cache
def default_topics() -> tuple[TopicSettings, ...]:
    """The built-in desk (inbox/sort/desk.toml), read through the same checks as config.toml,
    once a process (the tip page asks on every request; frozen dataclasses, so shared safely)."""
    data = tomllib.loads(resources.files("inbox.sort").joinpath("desk.toml").read_text(encoding="utf-8"))
    return from_dict({"sorting": {"topics": data["topics"]}}).sorting.topics


@dataclass(frozen=True)
class Rule:
    topic: str
    kind: str
    match: str
    weight: float
    hard: bool
    in_subject: bool = False  # fired in the subject: its weight is SUBJECT_WEIGHT times the table's

    def describe(self) -> dict:
        """The rule as its explanation shows it: the configured pattern, never the tip's text."""
        found = {"topic": self.topic, "kind": self.kind, "match": self.match, "weight": self.weight, "hard": self.hard}
        return {**found, "in_subject": True} if self.in_subject else found


@dataclass(frozen=True)
class Verdict:
    topic: str
    confidence: float
    source: str  # "rule" (a hard rule), "rules", "model", "blend" or "triage"
    explanation: dict


def _word_pattern(rule: RuleSettings) -> str:
    words = rule.match.lower().split()
    body = r"\s+".join(re.escape(w) for w in words)
    if rule.kind == "keyword":
        body += r"(?:s|es)?"  # plurals: "ballot" finds "ballots"
    return rf"(?<!\w){body}(?!\w)"


class TopicRules:
    """The compiled rule table, checked the cheap way: a one-word keyword is a look-up
    in the tip's set of words; a phrase is tried only when its first word is in
    that set; every pattern runs over the text lower-cased once (text.Scan)."""

    def __init__(self, topics: tuple[TopicSettings, ...]):
        self.topics = tuple(t.name for t in topics)
        self.rules: list[Rule] = []
        self._keywords: dict[str, list[int]] = {}  # one-word keyword -> rules
        self._by_word: dict[str, list[tuple[int, re.Pattern, frozenset[str]]]] = {}
        self._regexes: list[tuple[int, Scan]] = []
        self._domains: list[tuple[int, str]] = []
        for topic in topics:
            for rs in topic.rules:
                self._add(topic.name, rs)
        # phrase -> one-word keywords of other topics among its words; each one's pattern.
        self._inside: dict[int, list[int]] = {}
        self._whole: dict[int, re.Pattern] = {}
        for i, rule in enumerate(self.rules):
            if rule.kind not in ("keyword", "phrase") or len(_WORD.findall(rule.match)) < 2:
                continue
            for word in _WORD.findall(rule.match.lower()):
                for j in self._keywords.get(word, ()):
                    if self.rules[j].topic != rule.topic:
                        self._inside.setdefault(i, []).append(j)
                        self._whole[i] = re.compile(_word_pattern(RuleSettings(kind=rule.kind, match=rule.match)))
                        self._whole[j] = re.compile(_word_pattern(RuleSettings(kind="keyword", match=self.rules[j].match)))

    def _add(self, topic: str, rs: RuleSettings) -> None:
        where = f"sorting.topics[{topic}] rule {rs.match!r}"
        if rs.kind not in RULE_KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(RULE_KINDS)}")
        words = _WORD.findall(rs.match.lower())
        if not words:
            raise ConfigError(f"{where}: match has no words")
        index = len(self.rules)
        self.rules.append(Rule(topic, rs.kind, rs.match, rs.weight, rs.hard))
        if rs.kind == "keyword" and [rs.match.lower().strip()] == words:
            self._keywords.setdefault(words[0], []).append(index)
        elif rs.kind in ("keyword", "phrase"):
            self._by_word.setdefault(words[0], []).append((index, re.compile(_word_pattern(rs)), frozenset(words)))
        elif rs.kind == "regex":
            try:
                self._regexes.append((index, Scan(re.compile(rs.match, re.IGNORECASE))))
            except re.error as exc:
                raise ConfigError(f"{where}: not a valid regular expression: {exc}") from None
        else:
            self._domains.append((index, rs.match.lower().lstrip("@.")))

    def fired(self, inp: SortInput) -> list[Rule]:
        """Every rule that matches the subject and the reader's own words, each once (a word
        said ten times is one hint); those that match the subject weigh SUBJECT_WEIGHT times more."""
        hits = self._hits(inp.words, inp.words_lower, inp.word_set)
        domain = inp.sender.rpartition("@")[2]
        hits.update(i for i, d in self._domains if domain == d or domain.endswith("." + d))
        hits -= self._claimed(hits, inp.words_lower)
        in_subject = self._hits(inp.subject, inp.subject.lower()) if inp.subject else set()
        return [replace(self.rules[i], weight=self.rules[i].weight * SUBJECT_WEIGHT, in_subject=True)
                if i in in_subject else self.rules[i] for i in sorted(hits)]

    def _claimed(self, hits: set[int], lowered: str) -> set[int]:
        """Keywords of one beat that a phrase of another beat holds, and that the text never
        uses outside it: "school bus" is Education's, and its "bus" no hint of Transportation."""
        claimed: set[int] = set()
        for i in hits:
            for j in self._inside.get(i, ()):
                if j in hits and len(self._whole[j].findall(lowered)) <= len(self._whole[i].findall(lowered)):
                    claimed.add(j)
        return claimed

    def _hits(self, text: str, lowered: str, present: frozenset[str] | None = None) -> set[int]:
        present = frozenset(_WORD.findall(lowered)) if present is None else present
        # Each word, and the word without a plural ending: "ballots" finds the keyword "ballot".
        plural = [w for w in present if w.endswith("s")]
        keys = present.union([w[:-1] for w in plural], [w[:-2] for w in plural if w.endswith("es")])
        hits: set[int] = set()
        for key in keys.intersection(self._keywords):  # set operations: a tip has ~100 words, the table ~150
            hits.update(self._keywords[key])
        for key in keys.intersection(self._by_word):
            # A phrase can match only where every one of its words is in the tip: a set test before the pattern.
            hits.update(i for i, rx, need in self._by_word[key] if i not in hits and need <= keys and rx.search(lowered))
        hits.update(i for i, scan in self._regexes if scan.search(text, lowered))
        return hits


def decide(fired: list[Rule], model: Mapping[str, float] | None, settings: SortingSettings,
           model_version: int | None = None) -> Verdict:
    """Blend the rules that fired with the model's probabilities into one topic."""
    scores: dict[str, float] = {}
    for rule in fired:
        scores[rule.topic] = scores.get(rule.topic, 0.0) + rule.weight
    explanation: dict = {"rules": [r.describe() for r in fired], "rule_scores": _rounded(scores)}
    if model:
        explanation["model"] = {"version": model_version, "top": _top(model, 3)}
    hard = {r.topic for r in fired if r.hard}
    if hard:
        topic = max(hard, key=lambda t: scores[t])
        explanation["why"] = "a hard rule decided"
        return Verdict(topic, 1.0, "rule", explanation)
    rules = {t: s / (s + _runner_up(scores, t) + settings.rule_prior) for t, s in scores.items()}
    if rules and model:
        share = settings.rule_share
        blend = {t: share * rules.get(t, 0.0) + (1 - share) * model.get(t, 0.0) for t in set(rules) | set(model)}
        source = "blend"
    elif rules:
        blend, source = rules, "rules"
    elif model:
        blend, source = dict(model), "model"
    else:
        blend, source = {}, "triage"
    explanation["blend"] = _top(blend, 3)
    if not blend:
        explanation["why"] = "no rule fired and there is no trained model yet"
        return Verdict(settings.triage_topic, 0.0, "triage", explanation)
    topic = max(blend, key=blend.get)
    confidence = round(blend[topic], 4)
    tied = sorted(t for t, v in blend.items() if round(v, 4) == confidence)
    if len(tied) > 1:
        explanation["why"] = f"a tie between {', '.join(map(repr, tied))} at {confidence:.2f}"
        return Verdict(settings.triage_topic, confidence, "triage", explanation)
    if confidence < settings.min_confidence or topic == settings.triage_topic:
        explanation["why"] = f"best guess {topic!r} at {confidence:.2f} is below {settings.min_confidence:.2f}"
        return Verdict(settings.triage_topic, confidence, "triage", explanation)
    explanation["why"] = {"rules": "the rules decided", "model": "the model decided",
                          "blend": "rules and model blended"}[source]
    return Verdict(topic, confidence, source, explanation)


def _runner_up(scores: Mapping[str, float], topic: str) -> float:
    """The best score of any other topic. Only it competes: a tip about ICE arrests at the
    courthouse that also says "traffic" once is not made less sure by the traffic."""
    return max((s for t, s in scores.items() if t != topic), default=0.0)


def _top(scores: Mapping[str, float], n: int) -> list[list]:
    best = sorted(scores.items(), key=lambda kv: -kv[1])[:n]
    return [[t, round(float(s), 4)] for t, s in best]


def _rounded(scores: Mapping[str, float]) -> dict[str, float]:
    return {t: round(s, 3) for t, s in scores.items()}
