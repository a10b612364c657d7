"""Sensitive-content kinds (never values) and urgency."""
from __future__ import annotations

from datetime import datetime

import pytest

from inbox.sort.flags import sensitive_kinds
from inbox.sort.urgency import urgency, urgency_of
from inbox.sort.text import SortInput

SENT = datetime(2026, 11, 20, 9, 30)  # a Friday


def tip(text: str, subject: str = "", sent: datetime | None = SENT) -> SortInput:
    return SortInput(subject=subject, new_text=text, full_text=text, sender="r@example.org", sent_at=sent)


@pytest.mark.parametrize("text, kind", [
    ("her son's cell is (555) 201-3344, call him after six", "phone"),
    ("the landlord's own number is +44 20 7946 0958", "phone"),
    ("write to maria.l@example.net", "email"),
    ("she lives at 1423 North Maple Street", "street_address"),
    ("the family in apt 4B", "street_address"),
    ("his SSN is 123-45-6789", "ssn"),
    ("her A-number is A123456789", "alien_number"),
    ("A-number unknown, case pending", "alien_number"),
    ("DOB 03/04/1990", "date_of_birth"),
    ("born on March 4, 1990", "date_of_birth"),
    ("the family is undocumented", "immigration_status"),
    ("he is in deportation proceedings", "immigration_status"),
    ("she was diagnosed with cancer last year", "health"),
    ("he is HIV-positive", "health"),
    ("my daughter Aaliyah was in the room", "minor"),
    ("a 15-year-old Marcus was detained", "minor"),
    ("she is a minor and was questioned alone", "minor"),
    ("he has AIDS and lost his coverage", "health"),
])
def test_each_sensitive_rule_kind(text, kind):
    kinds, rule_names = sensitive_kinds(tip(text))
    assert kind in kinds
    assert rule_names


@pytest.mark.parametrize("text", [
    "The council meets on the 4th floor at 7 pm.",
    "Order 3 of 12 trucks arrived in 2024.",
    "Version 10.2.1 of the budget is out.",
    "Our 45-year-old building needs a new roof.",
    "It was a minor problem with the permits.",
    "The grant aids families who lost their homes.",
])
def test_ordinary_text_is_not_sensitive(text):
    assert sensitive_kinds(tip(text)) == ((), [])


def test_the_senders_own_number_and_an_office_line_are_not_a_third_persons_phone():
    for words in ("call me at 555-201-3344 after six", "my cell: 555-201-3344", "the county office line is 555-201-3344",
                  "their hotline, 1-800-555-0199, never answers"):
        assert "phone" not in sensitive_kinds(tip(words))[0], words
    own_sig = SortInput(subject="", new_text="see below", full_text="see below\n-- \nAna, 555-201-3344",
                        sender="a@example.org", sent_at=SENT)
    assert sensitive_kinds(own_sig)[0] == ()  # the reader's signature is their own, not a third person's


def test_a_press_contact_line_and_a_number_given_to_call_are_not_a_third_persons_phone():
    for words in ("FOR IMMEDIATE RELEASE\n\nContact: Dana Whitlock, organizer, 412-555-0170\n\nTenants met",
                  "Media contact: Lee Ortiz, Emergency Coordinator, 570-555-0133",
                  "The clerk said the number to call back is 610-555-0102 but nobody picks up.",
                  "Our cat is missing since Tuesday. Call 484-555-0119 any time."):
        assert "phone" not in sensitive_kinds(tip(words))[0], words
    # a named neighbour's number, not offered as a line to call, still counts
    assert "phone" in sensitive_kinds(tip("Contacts at the plant? Ray's cell is 484-555-0119, he saw it."))[0]


def test_the_senders_own_address_a_role_mailbox_and_a_replys_headers_are_not_a_third_persons_email():
    for words in ("reach me at a@example.org", "write to press@county.example.gov or info@county.example.gov",
                  "On Tue, Pat Lee <pat.lee@example.com> wrote:\n> the memo",
                  "----- Original Message -----\nFrom: Pat Lee <pat.lee@example.com>\nSubject: memo",
                  "---------- Forwarded message ---------\nFrom: A <a@example.org>\nTo: Pat <pat.lee@example.com>",
                  "---------- Forwarded message ---------\nFrom: Sen. Staff <chief@senate.example.org>\nSubject: x",
                  "-------- Weitergeleitete Nachricht --------\nVon: Amt <p.lee@stadt.example.gov>"):
        inp = SortInput(subject="", new_text=words, full_text=words, sender="a@example.org", sent_at=SENT)
        assert "email" not in sensitive_kinds(inp)[0], words
    assert "email" in sensitive_kinds(tip("my neighbor's address is maria.l@example.net"))[0]


def test_a_forwarded_memos_private_author_is_a_third_persons_email():
    for words in ("Read the last line.\n\n---------- Forwarded message ---------\n"
                  "From: Pat Lee <pat.lee@example.com>\nSubject: memo",
                  "Begin forwarded message:\n\nFrom: Pat Lee <pat.lee@brightline.example.com>",
                  "-------- Message transféré --------\nDe : Pat Lee <pat.lee@example.com>"):
        inp = SortInput(subject="", new_text=words, full_text=words, sender="a@example.org", sent_at=SENT)
        assert "email" in sensitive_kinds(inp)[0], words


def test_a_public_bodys_domain_is_judged_by_whole_labels_not_by_a_word_inside_one():
    from inbox.sort.flags import _a_public_bodys
    for address in ("chief@senate.example.org", "a@pasenate.com", "a@legis.state.pa.us", "a@cityofpittsburgh.example",
                    "a@alleghenycounty.example", "a@lowermeriontownship.example", "a@phila.gov", "a@army.mil",
                    "a@council.example.gov.uk", "a@mod.gov.uk"):
        assert _a_public_bodys(address), address
    for address in ("pat@warehouse.example.com", "pat@realestate.example", "pat@govinda.example.com",
                    "pat@citylights.example", "pat@statefarm.example"):
        assert not _a_public_bodys(address), address
    memo = "---------- Forwarded message ---------\nFrom: Pat Lee <pat.lee@bigwarehouse.example.com>\nSubject: x"
    inp = SortInput(subject="", new_text=memo, full_text=memo, sender="a@example.org", sent_at=SENT)
    assert "email" in sensitive_kinds(inp)[0]


def test_an_itin_is_recorded_as_a_tax_number_and_the_advertising_range_too():
    assert "ssn" in sensitive_kinds(tip("my ITIN is 912-70-1234"))[0]
    assert "ssn" in sensitive_kinds(tip("the label showed 987-65-4325 through the window"))[0]
    assert "ssn" not in sensitive_kinds(tip("case 912-45-1234 was filed"))[0]  # not an ITIN middle group


def test_an_ordinal_street_is_a_street_address():
    assert "street_address" in sensitive_kinds(tip("She lives at 1142 East 29th Street, the yellow house"))[0]


def test_rule_names_never_carry_the_matched_value():
    kinds, names = sensitive_kinds(tip("ssn 123-45-6789, his number 555-201-3344, mail ana@example.org"))
    assert kinds == ("email", "phone", "ssn")
    joined = " ".join(names)
    for value in ("123-45-6789", "555-201-3344", "ana@example.org"):
        assert value not in joined


@pytest.mark.parametrize("text", [
    "The vote is today",
    "they clear the camp tonight",
    "tomorrow's hearing will decide",
    "the hearing is on November 21",
    "hearing is 11/22 at 9",
    "the vote is this Saturday",
])
def test_urgent(text):
    assert urgency(tip(text))


@pytest.mark.parametrize("text", [
    "the hearing is on December 15",
    "this happened on November 2",
    "nothing pressing here",
    "hearing is 12/24",
])
def test_not_urgent(text):
    assert urgency(tip(text)) == []


def test_a_date_early_next_year_counts_across_new_year():
    assert "deadline-month-day" in urgency(tip("the shelter closes January 1", sent=datetime(2026, 12, 31, 12)))


def test_date_urgency_is_measured_from_the_message_date_not_today():
    old = datetime(2020, 3, 2, 8)
    assert "deadline-month-day" in urgency(tip("meeting March 3", sent=old))
    assert urgency(tip("meeting March 30", sent=old)) == []


def test_a_reader_calling_it_urgent_is_noted_but_does_not_decide():
    # "Please come ASAP" sets no clock: the labelled desk set counts a deadline or danger, not the claim.
    found = urgency_of(tip("Please come ASAP, the city has ignored this for years"))
    assert found.rules == [] and found.why["reader_says_urgent"] is True


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Mi hermano no tiene papeles y lo detuvieron ayer.", "immigration_status"),
        ("Es indocumentada, lleva nueve años aquí.", "immigration_status"),
        ("Lo detenido por inmigración el jueves.", "immigration_status"),
        ("Mi hija de 9 años no puede ir a la escuela.", "minor"),
        ("Tengo 16 años y trabajo en la planta.", "minor"),
    ],
)
def test_spanish_tips_are_flagged_too(text, kind):
    kinds, _ = sensitive_kinds(tip(text))
    assert kind in kinds


def test_spanish_words_that_only_look_alike_are_not_flagged():
    kinds, _ = sensitive_kinds(tip("El asiento del autobús estaba roto; los papeles de la reunión llegaron tarde."))
    assert "immigration_status" not in kinds


# Children: a child someone could pick out is sensitive; children in passing are not.
@pytest.mark.parametrize("text", [
    "My son Jayden is in the video from the park.",
    "Our daughter, Sofia, was questioned without us.",
    "my kids Madison (9) and Tyler (6) were moved again",
    "my niece is 12 years old and rides that bus",
    "She is a 4th grader at Lincoln Elementary and came home with a rash.",
    "I'm 16 and I work the night shift there.",
    "I am a sophomore at Central High and they searched our lockers.",
    "One of my players, Dante Reyes, was hit in the leg walking out to the car. He's 15.",
    "Maria Lopez was taken off the bus by agents this morning. She is 9 years old, and nobody called us.",
])
def test_a_child_who_can_be_identified_is_a_minor(text):
    assert "minor" in sensitive_kinds(tip(text))[0]


@pytest.mark.parametrize("text", [
    "I have to drive my kids past that intersection every day.",
    "My son is in 2nd grade there and the building smells of gas.",
    "The store keeps selling vapes to minors.",
    "Parents of teenagers say the curfew is unfair.",
    "Our 45-year-old building needs a new roof.",
    "On December 2, 9 families were evicted.",
    "It was a minor problem with the permits.",
    "One of my players was hit in the leg walking out to the car. He's 15.",  # no name: nobody to pick out
    "Call Dan Moss at the depot. He's 15 minutes away and has the logs.",
    "Judge Ann Castle is known to doze off. She is 6 feet from the jury box.",
    "Our beagle mix Biscuit got out near Kissel Hill Road. He's 9, very friendly.",  # a dog, by a road's name
])
def test_children_in_passing_are_not_a_minor(text):
    assert "minor" not in sensitive_kinds(tip(text))[0]


# Health: someone's condition, injury, pregnancy or addiction; not a clinic's news or a symptom.
@pytest.mark.parametrize("text", [
    "My mother has COPD and uses an oxygen concentrator.",
    "He was diagnosed with Type 1 diabetes in March.",
    "My neighbor broke her hip on the ice and had surgery.",
    "My sister is eight months pregnant and lost her job.",
    "He has been in recovery from opioid addiction for two years.",
    "my son has asthma and the mold makes it worse",
    "Su hija está embarazada y no tiene seguro.",
])
def test_a_persons_condition_is_health(text):
    assert "health" in sensitive_kinds(tip(text))[0]


@pytest.mark.parametrize("text", [
    "The hospital is opening a new cancer center this spring.",
    "Kids at the school had headaches on Tuesday.",
    "The clinic's pharmacy is out of stock again.",
])
def test_a_clinics_news_or_a_passing_symptom_is_not_health(text):
    assert "health" not in sensitive_kinds(tip(text))[0]


# Anonymity: many ways, in English and Spanish, of asking not to be named or fearing what it costs.
@pytest.mark.parametrize("text", [
    "Please don't use my name.",
    "Do not print my name, I still work there.",
    "I'd like to stay anonymous if that's possible.",
    "This is off the record for now.",
    "I can't be identified in any way.",
    "I could be fired for sending this.",
    "If they find out it was me I'll lose my job.",
    "I'm terrified of being identified.",
    "Please keep this between us.",
    "My supervisor can't know I wrote to you.",
    "I can't have my manager find out.",
    "I made a throwaway email for this.",
    "Teachers who talk get written up, and I'm scared of retaliation.",
    "I'm afraid they'll find a reason to evict me if I complain.",
    "No uses mi nombre, por favor.",
    "Por favor no publiquen mi nombre.",
    "Tengo miedo de represalias en el trabajo.",
    "Me pueden despedir si se enteran.",
    "Quiero que esto sea anónimo.",
])
def test_a_reader_asking_not_to_be_named_is_anonymity(text):
    assert "anonymity" in sensitive_kinds(tip(text))[0]


@pytest.mark.parametrize("text", [
    "I'm not anonymous and I'm happy to be quoted.",
    "The company fired three drivers last month.",
    "He goes to Alcoholics Anonymous on Tuesdays.",
    "An anonymous donor paid for the playground.",
    "You can use my name and my phone number.",
])
def test_naming_oneself_or_others_being_fired_is_not_anonymity(text):
    assert "anonymity" not in sensitive_kinds(tip(text))[0]


def test_a_throwaway_sender_is_anonymity_and_an_ordinary_one_is_not():
    def sent_by(sender):
        return sensitive_kinds(SortInput(subject="", new_text="the plant dumps at night", full_text="the plant dumps at night",
                                         sender=sender, sent_at=SENT))[0]

    assert "anonymity" in sent_by("ward4.tips@proton.me")
    assert "anonymity" in sent_by("anon.nurse88@gmail.com")
    assert "anonymity" not in sent_by("maria.lopez@gmail.com")
    assert "anonymity" not in sent_by("tips@county.example.gov")  # an office's address, not a free mailbox


# Danger now is urgent; a past pattern or a danger that has passed is not.
@pytest.mark.parametrize("text", [
    "There's a strong gas smell on our block and it's getting worse.",
    "We have no heat and it's 15 degrees tonight.",
    "The building next door is on fire.",
    "Water is pouring into the basements on Pine.",
    "Just heard shots near the rec center, a guy is down.",
    "We're stuck on the train and smoke is coming in.",
])
def test_danger_now_is_urgent(text):
    assert urgency(tip(text))


@pytest.mark.parametrize("text", [
    "Three crashes in an hour at that corner last month.",
    "There was a gas leak on our street last week.",
    "We had no heat for five days but it was fixed yesterday.",
    "The boil water advisory was lifted on Monday.",
])
def test_danger_that_has_passed_is_not_urgent(text):
    assert urgency(tip(text)) == []


@pytest.mark.parametrize("text", [
    "I have TPS and my renewal is stuck.",
    "He came on the SIV program after working as an interpreter.",
    "Her work visa expired in 2019 and the boss kept her passport.",
    "Yo tampoco tengo papeles.",
    "I don't have papers, so I can't call the police.",
])
def test_a_lawful_or_missing_status_is_immigration_status(text):
    assert "immigration_status" in sensitive_kinds(tip(text))[0]


def _fixture_texts() -> list[str]:
    """Every string this module's parametrized tests feed the rules, and some variations."""
    import sys

    module = sys.modules[__name__]
    texts = []
    for value in vars(module).values():
        for mark in getattr(value, "pytestmark", []):
            if mark.name == "parametrize":
                texts += [row[0] if isinstance(row, tuple) else row for row in mark.args[1]]
    return [t for t in texts if isinstance(t, str)]


def test_a_rules_word_gate_never_hides_a_match():
    """A gate only skips tips its rule could not match: wherever the rule matches, a gate word is there."""
    from inbox.sort import flags

    texts = _fixture_texts()
    assert len(texts) > 60
    for kind, name, scan, gate in flags._SENSITIVE_SCANS:
        if gate is None:
            continue
        for text in texts + [t.upper() for t in texts]:
            if scan.search(text, text.lower()):
                assert not gate.isdisjoint(flags._TOKEN.findall(text.lower())), (name, text)


@pytest.mark.parametrize("words", [
    "I'm writing from my personal account because of what I do there.",
    "Please don't call my desk line.",
    "Don't email me at work, ever.",
    "Te escribo desde mi correo personal.",
])
def test_a_reader_keeping_this_from_their_work_is_anonymity(words):
    assert "anonymity" in sensitive_kinds(tip(words))[0]


def test_reaching_an_office_is_not_keeping_it_from_work():
    for words in ("I called the office line and nobody answered.", "They don't call the office anymore."):
        assert "anonymity" not in sensitive_kinds(tip(words))[0]


def test_a_gated_rule_reads_the_words_of_the_whole_text_whether_or_not_it_is_the_readers_own():
    # Short and all the reader's own: the gate reads the words the topic rules made.
    short = tip("my mother was diagnosed last spring and has dementia now")
    assert short.everything == short.words
    assert "health" in sensitive_kinds(short)[0]
    # Past the words' limit, and in a quote: the words of the whole text, not the topic rules' words.
    padding = "The council met again about the budget. " * 120
    long = SortInput(subject="", new_text=padding, full_text=padding + "\n> my mother has dementia now",
                     sender="r@example.org", sent_at=SENT)
    assert "dementia" not in long.word_set
    assert "health" in sensitive_kinds(long)[0]
