"""Topic rules, the blend with the model, and the triage fallback."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from inbox.config import ConfigError, RuleSettings, SortingSettings, TopicSettings, from_dict
from inbox.sort.text import SortInput
from inbox.sort.topics import TopicRules, decide, default_topics

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = SortingSettings()


def tip(subject: str = "", text: str = "", sender: str = "reader@example.org") -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender=sender, sent_at=None)


def rules(*rows: tuple[str, str, str, float, bool]) -> TopicRules:
    topics: dict[str, list[RuleSettings]] = {}
    for topic, kind, match, weight, hard in rows:
        topics.setdefault(topic, []).append(RuleSettings(kind=kind, match=match, weight=weight, hard=hard))
    return TopicRules(tuple(TopicSettings(name=t, rules=tuple(r)) for t, r in topics.items()))


def fired(table: TopicRules, inp: SortInput) -> list[str]:
    return [r.match for r in table.fired(inp)]


def test_keyword_matches_whole_words_and_plurals_only():
    table = rules(("Elections", "keyword", "ballot", 1.0, False))
    assert fired(table, tip(text="Two Ballots were lost")) == ["ballot"]
    assert fired(table, tip(text="a balloting error")) == []


def test_phrase_matches_words_in_order_across_spacing():
    table = rules(("State", "phrase", "city council", 2.0, False))
    assert fired(table, tip(text="the City\n  Council voted")) == ["city council"]
    assert fired(table, tip(text="the council of the city")) == []


def test_regex_rule_is_case_insensitive_unless_it_says_otherwise():
    table = rules(("Immigration", "regex", r"(?-i:\bICE\b)", 2.0, False), ("Courts", "regex", r"case no\.? \d+", 1.0, False))
    assert fired(table, tip(text="ICE agents came")) == [r"(?-i:\bICE\b)"]
    assert fired(table, tip(text="ice on the road")) == []
    assert fired(table, tip(text="CASE NO. 4471")) == [r"case no\.? \d+"]


def test_sender_domain_rule_matches_the_domain_and_its_subdomains_only():
    table = rules(("Courts", "sender_domain", "uscourts.gov", 3.0, True))
    assert fired(table, tip(sender="clerk@nysd.uscourts.gov")) == ["uscourts.gov"]
    assert fired(table, tip(sender="clerk@uscourts.gov")) == ["uscourts.gov"]
    assert fired(table, tip(sender="x@notuscourts.gov")) == []


def test_subject_counts_as_much_as_the_body():
    table = rules(("Health", "keyword", "hospital", 2.0, False))
    assert fired(table, tip(subject="Hospital closing", text="see below")) == ["hospital"]


def test_hard_rule_wins_over_a_confident_model():
    table = rules(("Courts", "sender_domain", "uscourts.gov", 1.0, True))
    verdict = decide(table.fired(tip(sender="a@uscourts.gov")), {"Health": 0.99, "Courts": 0.01}, SETTINGS, 3)
    assert (verdict.topic, verdict.source, verdict.confidence) == ("Courts", "rule", 1.0)
    assert verdict.explanation["rules"][0]["hard"] is True


def test_rules_and_model_blend_and_the_explanation_keeps_both():
    table = rules(("Elections", "keyword", "ballot", 2.0, False))
    verdict = decide(table.fired(tip(text="ballot")), {"Elections": 0.5, "Health": 0.5}, SETTINGS, 7)
    rule_part = 2.0 / (2.0 + SETTINGS.rule_prior)
    expected = SETTINGS.rule_share * rule_part + (1 - SETTINGS.rule_share) * 0.5
    assert verdict.topic == "Elections" and verdict.source == "blend"
    assert verdict.confidence == pytest.approx(expected, abs=1e-4)
    assert verdict.explanation["model"]["version"] == 7
    assert verdict.explanation["rules"][0]["match"] == "ballot"


def test_model_alone_decides_when_no_rule_fires():
    verdict = decide([], {"Health": 0.8, "Elections": 0.2}, SETTINGS, 1)
    assert (verdict.topic, verdict.source, verdict.confidence) == ("Health", "model", 0.8)


def test_only_the_runner_up_competes_with_the_rules_best_topic():
    table = rules(("Immigration", "keyword", "deported", 4.0, False), ("Courts", "keyword", "courthouse", 2.0, False),
                  ("Transportation", "keyword", "traffic", 1.5, False))
    verdict = decide(table.fired(tip(text="deported from the courthouse after a traffic stop")), None, SETTINGS)
    assert verdict.topic == "Immigration" and verdict.source == "rules"
    assert verdict.confidence == pytest.approx(4.0 / (4.0 + 2.0 + SETTINGS.rule_prior), abs=1e-4)


def test_two_topics_tied_on_the_rules_go_to_triage():
    table = rules(("Immigration", "keyword", "deported", 3.0, False), ("Courts", "keyword", "courthouse", 3.0, False))
    verdict = decide(table.fired(tip(text="deported at the courthouse")), None, SETTINGS)
    assert verdict.topic == SETTINGS.triage_topic


def test_low_confidence_goes_to_triage_with_the_best_guess_explained():
    verdict = decide([], {"Health": 0.3, "Elections": 0.25, "Courts": 0.45 - 0.3}, SETTINGS, 1)
    assert verdict.topic == SETTINGS.triage_topic and verdict.source == "triage"
    assert "Health" in verdict.explanation["why"]


def test_nothing_to_go_on_is_triage():
    verdict = decide([], None, SETTINGS)
    assert (verdict.topic, verdict.confidence) == (SETTINGS.triage_topic, 0.0)


def test_bad_rules_are_configuration_errors_naming_the_rule():
    with pytest.raises(ConfigError, match="kind must be one of"):
        rules(("X", "glob", "a*", 1.0, False))
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        rules(("X", "regex", "(unclosed", 1.0, False))


def test_default_desk_has_the_issue_taxonomy_with_rules():
    topics = default_topics()
    names = [t.name for t in topics]
    assert names[-1] == SETTINGS.triage_topic
    assert {"Elections", "Immigration", "Courts & lawsuits", "Housing & homelessness", "Civil rights"} <= set(names)
    assert all(t.description for t in topics)
    assert all(t.rules for t in topics if t.name != SETTINGS.triage_topic)
    TopicRules(topics)  # every rule compiles


def test_example_config_carries_the_default_desk():
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert from_dict({"sorting": example["sorting"]}).sorting.topics == default_topics()


def test_defaults_sort_a_plain_tip_to_its_desk():
    table = TopicRules(default_topics())
    verdict = decide(table.fired(tip("Eviction notices", "Our landlord filed eviction papers against 30 tenants.")), None, SETTINGS)
    assert verdict.topic == "Housing & homelessness"


def test_the_default_desk_sorts_a_spanish_immigration_tip():
    table = TopicRules(default_topics())
    inp = tip("Mi hermano fue detenido en la obra",
              "Agentes de inmigración se llevaron a once trabajadores. Él no tiene papeles.")
    verdict = decide(table.fired(inp), None, SETTINGS)
    assert verdict.topic == "Immigration"


def test_a_keyword_said_many_times_is_one_hint():
    table = rules(("Transportation", "keyword", "bus", 1.0, False), ("Education", "keyword", "teacher", 2.5, False))
    verdict = decide(table.fired(tip(text="bus bus bus, the bus again; our teacher said so")), None, SETTINGS)
    assert verdict.topic == "Education"


def test_a_rule_word_in_the_subject_weighs_more_than_in_the_body():
    table = rules(("Health", "keyword", "hospital", 2.0, False), ("Housing", "keyword", "landlord", 2.0, False))
    inp = tip(subject="Landlord ignores us", text="we went to the hospital after the landlord cut the heat")
    verdict = decide(table.fired(inp), None, SETTINGS)
    assert verdict.topic == "Housing"
    assert {r["match"]: r.get("in_subject", False) for r in verdict.explanation["rules"]} == {"hospital": False,
                                                                                              "landlord": True}


def test_a_phrase_of_one_beat_keeps_its_word_from_another_beat():
    table = rules(("Education", "phrase", "school bus", 1.0, False), ("Transportation", "keyword", "bus", 1.0, False))
    assert fired(table, tip(text="The school bus routes were cut.")) == ["school bus"]
    # said on its own as well, the word counts for its own beat too
    assert fired(table, tip(text="The school bus broke down and the city bus was late.")) == ["school bus", "bus"]


@pytest.mark.parametrize("subject, text, topic", [
    ("School bus routes cut", "The district cut three school bus routes and kids now walk a mile along the highway.",
     "Education"),
    ("Warehouse heat", "No AC during the heat wave, two workers passed out at the warehouse and the company "
                       "told us to keep working or lose the shift.", "Business, economy & labor"),
])
def test_one_loud_word_does_not_outvote_the_story(subject, text, topic):
    table = TopicRules(default_topics())
    assert decide(table.fired(tip(subject, text)), None, SETTINGS).topic == topic


@pytest.mark.parametrize("subject, text, topic", [
    # the event (status, a storm, a layoff) outranks the place it happened
    ("Work permit about to lapse", "I drive for the school district and my work authorization runs out next month; "
                                   "USCIS has not answered my renewal.", "Immigration"),
    ("Snowed in at the plant", "Freezing rain and black ice all night; the plow never came and the night crew "
                               "could not leave the factory.", "Disasters & weather"),
    ("Cuts at the hospital", "The hospital laid off forty people in billing and gave them no severance.",
     "Business, economy & labor"),
])
def test_the_event_outranks_the_setting(subject, text, topic):
    table = TopicRules(default_topics())
    assert decide(table.fired(tip(subject, text)), None, SETTINGS).topic == topic


@pytest.mark.parametrize("subject, text, topic", [
    ("Nos quieren desalojar", "El casero nos dio tres días para salir del apartamento y no hay calefacción.",
     "Housing & homelessness"),
    ("Despidos en la fábrica", "Despidieron a muchos trabajadores y el sindicato dice que no pagaron el salario.",
     "Business, economy & labor"),
    ("Inundación en la calle", "Después de la tormenta la calle quedó inundada y estamos sin luz.",
     "Disasters & weather"),
    ("Tiroteo anoche", "Hubo disparos cerca del parque y la policía no ha dicho nada.", "Crime & public safety"),
    ("Demissão no armazém", "Os trabalhadores da empresa foram demitidos sem indenização.",
     "Business, economy & labor"),
])
def test_the_default_desk_reads_spanish_and_portuguese_tips(subject, text, topic):
    table = TopicRules(default_topics())
    assert decide(table.fired(tip(subject, text)), None, SETTINGS).topic == topic


def test_a_phrase_needs_all_its_words_and_still_finds_a_plural_last_word():
    table = rules(("Housing", "keyword", "rent increase", 2.0, False))
    assert fired(table, tip(text="Two rent increases in a year")) == ["rent increase"]
    assert fired(table, tip(text="the rent is due; an increase in fees")) == []
