"""“Why this topic” and “why this story” in words, from the explanation sorting stored.

The stored explanation is data for `inbox sort --explain`: rule kinds, configured
patterns (a regular expression's source), scores. A person reads a sentence and a small
table instead: which words and rules fired and where, how sure the model was, and what
the story index found. A pattern rule is shown as the words of the tip it matched,
never as its source; a viewer who may not see the reader never sees a sender's-domain
rule (tippage.without_sender drops them before this module runs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.board.tippage import TipPage


@dataclass(frozen=True)
class RuleRow:
    """One rule that fired, as the table shows it."""
    what: str  # the word "ballot" / the words "city council" / ...
    where: str  # in the subject / in the text / the sender's address
    topic: str
    weight: str  # "+2.0", or "decides alone"


@dataclass(frozen=True)
class Fact:
    """One line of the model or story table: a label and its value in words."""
    label: str
    value: str


@dataclass
class Why:
    """What the tip page says about why the tip has its topic and its story."""
    sentence: str
    rules: list[RuleRow] = field(default_factory=list)
    model: list[Fact] = field(default_factory=list)  # the model's top topics, with how sure it was
    model_name: str = ""
    story_sentence: str = ""
    story: list[Fact] = field(default_factory=list)


def pct(value) -> str:
    """0.734 -> "73%" (anything that is not a number: "?")."""
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "?"


def _quoted(text: str) -> str:
    return f"“{text}”"


def _rule_row(rule, text: str, subject: str) -> RuleRow | None:
    if isinstance(rule, str):  # an older explanation: "kind:match"
        kind, _, match = rule.partition(":")
        rule = {"kind": kind, "match": match}
    if not isinstance(rule, dict):
        return None
    kind, match = str(rule.get("kind", "")), str(rule.get("match", ""))
    where = "in the subject" if rule.get("in_subject") else "in the text"
    if kind == "keyword":
        what = f"the word {_quoted(match)}"
    elif kind == "phrase":
        what = f"the words {_quoted(match)}"
    elif kind == "regex":
        found = _pattern_match(match, subject if rule.get("in_subject") else text)
        what = f"a pattern of the desk's, matching {_quoted(found)}" if found else "a pattern of the desk's"
    elif kind == "sender_domain":
        what, where = f"the sender writes from {match}", "the sender's address"
    else:
        what = "a rule of the desk's"
    weight = rule.get("weight")
    shown = "decides alone" if rule.get("hard") else (f"+{float(weight):.1f}" if isinstance(weight, (int, float)) else "")
    return RuleRow(what, where, str(rule.get("topic", "")), shown)


def _pattern_match(pattern: str, text: str) -> str:
    """The words of the tip a desk pattern matched (the text this viewer sees), else ""."""
    try:
        found = re.search(pattern, text, re.IGNORECASE)
    except re.error:
        return ""
    return " ".join(found.group(0).split())[:80] if found else ""


def topic_sentence(topic: str, source: str, confidence, reasons: dict, rules: int) -> str:
    """One sentence: who chose the topic, how sure, and on what."""
    name = _quoted(topic or "no topic")
    if source == "editor":
        return f"An editor chose {name} by hand; what sorting had found is below."
    if source == "rule":
        return f"A deciding rule of the desk put this tip in {name}."
    counted = f"{rules} rule{'s' if rules != 1 else ''} of the desk fired"
    if source == "rules":
        return f"The desk's rules chose {name}, {pct(confidence)} sure: {counted}."
    if source == "model":
        return f"The model learned from editors' corrections chose {name}, {pct(confidence)} sure; no rule fired."
    if source == "blend":
        return f"The desk's rules and the learned model together chose {name}, {pct(confidence)} sure ({counted})."
    blend = reasons.get("blend") or []
    if not blend:
        return f"No rule fired and there is no trained model yet, so the tip waits in {name} for a person."
    best = [b for b in blend if isinstance(b, (list, tuple)) and len(b) == 2]
    if len(best) > 1 and best[0][1] == best[1][1]:
        return f"{_quoted(best[0][0])} and {_quoted(best[1][0])} scored the same, so the tip waits in {name} for a person."
    if best:
        return (f"The best guess, {_quoted(best[0][0])}, was only {pct(best[0][1])} sure, too little to decide, "
                f"so the tip waits in {name} for a person.")
    return f"The tip waits in {name} for a person."


def model_facts(reasons: dict) -> tuple[str, list[Fact]]:
    """The learned model's name (its version) and its top topics, with how sure it was of each."""
    model = reasons.get("model")
    if not isinstance(model, dict):
        return "", []
    top = [t for t in model.get("top", []) if isinstance(t, (list, tuple)) and len(t) == 2]
    version = model.get("version")
    name = f"The learned model (version {version})" if version is not None else "The learned model"
    return name, [Fact(str(t), pct(p)) for t, p in top]


def story_words(story: dict, visible: set[int]) -> tuple[str, list[Fact]]:
    """The story index's verdict as a sentence and its evidence as a few facts.

    A tip number is named only when the viewer may open that tip (visible)."""
    action = story.get("action")
    if not action:
        return "", []
    other = story.get("tip_id")
    tip = f"tip #{other}" if isinstance(other, int) and other in visible else "another tip"
    score, thresholds = story.get("similarity", story.get("score")), story.get("thresholds") or {}
    join, suggest = thresholds.get("join"), thresholds.get("suggest")
    if action == "joined" and story.get("why") == "an editor said so":
        sentence = f"It is in the same story as {tip}: an editor said so."
    elif action == "joined":
        sentence = f"It joined the story of {tip}: the story score was {pct(score)}, and tips join at {pct(join)} or more."
    elif action == "suggested":
        sentence = (f"It may tell the same story as {tip} (score {pct(score)}: suggested from {pct(suggest)}, "
                    f"joined only from {pct(join)}), so an editor decides.")
    elif action == "new" and score is not None:
        sentence = f"It starts a story of its own: the closest story scored {pct(score)}, below the {pct(suggest)} that makes a suggestion."
    elif action == "new":
        sentence = "It starts a story of its own: no story of the last days shares its rare words."
    elif action == "kept":
        sentence = "It kept the story it was in when it was sorted again."
    else:
        sentence = "It was not compared with other stories: too few words."
    evidence = story.get("evidence") or {}
    facts = []
    if "content" in evidence:
        facts.append(Fact("Rare words in common", pct(evidence["content"])))
    if "shared_names" in story:
        facts.append(Fact("Names and numbers in common", str(story["shared_names"])))
    if "meaning" in evidence:
        facts.append(Fact("Closeness in meaning", pct(evidence["meaning"])))
    if "gap_days" in evidence:
        facts.append(Fact("Days apart", f"{float(evidence['gap_days']):.1f}"))
    event_gap = evidence.get("event_gap_days")
    if event_gap is not None and float(event_gap) < float(evidence.get("gap_days", 0)):  # the score reads the fewer
        facts.append(Fact("Days apart by the days they name", f"{float(event_gap):.0f}"))
    if evidence.get("same_days") in (1, -1):
        facts.append(Fact("Day of the event", "the same day" if evidence["same_days"] == 1 else "different days"))
    if evidence.get("conflict"):
        facts.append(Fact("Contradicting details", "yes (a different date or place)"))
    if story.get("same_reader"):
        facts.append(Fact("Same reader", "the same reader wrote about it before"))
    if story.get("story_tips"):
        facts.append(Fact("Tips in that story", str(story["story_tips"])))
    if thresholds.get("calibrated_on") is not None and score is not None:
        facts.append(Fact("Score calibrated on", f"{thresholds['calibrated_on']} editors' decisions"))
    return sentence, facts


def explain(page: TipPage) -> Why | None:
    """Why the tip has its topic and its story, in words (None before sorting ran)."""
    reasons, tip = page.why, page.tip
    if not reasons and not page.story_why and tip.topic_source != "editor":
        return None
    text = "\n".join((page.text.new, page.text.signature, page.text.quoted))
    rows = [r for r in (_rule_row(rule, text, page.subject) for rule in reasons.get("rules", [])) if r is not None]
    why = Why(topic_sentence(tip.topic or "", tip.topic_source or "", tip.topic_confidence, reasons, len(rows)), rows)
    why.model_name, why.model = model_facts(reasons)
    visible = {x.id for x in page.cluster} | {s.other_id for s in page.suggestions}
    why.story_sentence, why.story = story_words(page.story_why, visible)
    return why
