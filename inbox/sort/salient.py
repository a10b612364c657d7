"""Salient names: the places, institutions, people and numbers a tip names.

Readers who saw one event write it in their own words and share few of them;
what they share are its names: "Stonycreek Manor", "Route 22", "Precinct 14",
"Cherry Creek School District". This module reads them out of the reader's
own words, each with a kind (stories score them: inbox.sort.stories_score):

* WHERE: a run of capitalised words naming a place or an institution — it ends
  in a place noun ("... County", "... School District", "... Manor") or follows
  "in", "at", "near", "from" ("in Hazleton");
* NAME: any other run of capitalised words (people, companies) and acronyms
  ("SEPTA", "PPS");
* ID: a word and the number after it ("precinct 14", "road 6", "springettsbury
  5"), common abbreviations spelled out, or an ordinal and its street ("38th
  street"); never a long number (phone, account, case file): personal data.

A run is kept whole: its words each, and its head (the run without the civic
nouns that end it) as one phrase, so "Cherry Creek School District" in one tip
and "Cherry Creek" in another share "cherry", "creek" and "cherry creek". A
capitalised word that opens a sentence is a name when the next word is
capitalised too, or when it is capitalised elsewhere. Left out: function words,
months, weekdays, titles, a Title Case subject's capitals, the salutation line
("Hi Maya,"), a sign-off and the name block under it, the header lines of a
forwarded message (From:, Sent:, To:, Subject:), quoted lines ("> ..."), and
runs made only of civic nouns ("County Clerk", "Election Day").
"""
from __future__ import annotations

import re

from inbox.sort.clusters import STOP_WORDS

NAME, WHERE, ID = 1, 2, 4  # kinds, as bit flags (a term can be several)
MAX_NAMES = 40

ABBREVIATIONS = {"rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
                 "hwy": "highway", "rte": "route", "pct": "precinct", "no": "number", "nr": "number",
                 "apt": "apartment", "rm": "room", "bldg": "building", "ste": "suite", "dist": "district", "ln": "lane",
                 "fl": "floor", "twp": "township", "sd": "district", "mt": "mount"}
MONTHS = frozenset("january february march april may june july august september october november december "
                   "jan feb mar apr jun jul aug sep sept oct nov dec".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
                     "fri sat sun today tomorrow yesterday tonight".split())
TITLES = frozenset("mr mrs ms mx dr prof rev hon jr sr gov sen rep lt sgt capt det gen".split())
# Spanish and Portuguese function words: a capitalised "El" or "Los" opens a sentence, it names nothing.
FOREIGN_STOP = frozenset("""
el la los las lo le les un una unos unas de del al y e o u que en por para con sin mi mis su sus tu es son
se no si ya muy mas más pero como porque cuando donde hay fue era nos yo ella ellos este esta estos estas
ese esa eso aqui aquí o os as um uma do da dos das em no na nos nas ao à é
""".split())
NOT_NAMES = STOP_WORDS | MONTHS | WEEKDAYS | TITLES | FOREIGN_STOP | frozenset(
    "miss sir madam since around nearly almost approximately last next past least every per like page pages step "
    "steps age aged ok okay yes i'd i'll we're we've they're i’m i’ve i’d i’ll sorry anyway also update edit "
    "ps fyi asap lol omg pm am et est edt pst cst usa us pa faq llc inc ltd".split())
# Nouns every story on a beat names in capitals; a run of these alone says nothing about which story.
CIVIC = frozenset("""
county city state town township village borough federal national public community local
board office department dept agency authority commission committee council court clerk clerks
election elections day school schools elementary middle high district precinct ward
road street avenue lane highway route boulevard drive hall center centre building park
police sheriff fire station hospital clinic library church university college company
north south east west new old upper lower
administration staff director secretary treasurer auditor governor mayor judge rep sen senator representative
officer sergeant chief captain deputy commissioner commissioners superintendent principal president manager system
people citizens residents voters vote nobody everyone one two three four five six seven eight nine ten
""".split())
# Nouns that end the name of a place or an institution ("Erie County", "Stonycreek Manor").
PLACE_NOUNS = frozenset("""
county city town township village borough district school schools elementary academy hall center centre
road street avenue lane highway route boulevard drive pike way square plaza bridge tunnel station line
park river creek lake island valley mountain hill hills heights estates manor home homes apartments
hospital clinic library church mosque synagogue temple university college prison jail courthouse
plant farm farms mill mine factory warehouse mall market airport port terminal incline
""".split())
GENERIC = CIVIC | PLACE_NOUNS | frozenset("""
medical regional health services service center community family united american valley memorial general
association union coalition alliance foundation network group partners communities systems care
water sewer gas electric power transit housing parking works utility utilities municipal sanitation
""".split())
LOCATIVES = frozenset("in at near from outside across into toward towards around behind".split())
# Nouns whose number names a thing ("precinct 14", "road 6", "room 3b", "case 52"), not a quantity ("taking 11 weeks").
ID_NOUNS = frozenset("""
precinct ward district route road street avenue lane highway boulevard interstate exit room courtroom suite unit
apartment floor building lot gate bus line station channel pier dock bay section grade case docket bill item
chapter box local number ordinance resolution measure proposition prop amendment flight plant well tower
""".split())
STREET_NOUNS = frozenset("street avenue road lane boulevard".split())
# A compass point before an ordinal makes it a street: "E 38th", "West 26th".
COMPASS = frozenset("e w n s ne nw se sw east west north south".split())

# The first line when it greets someone ("Hi Maya,", "Ms. Torres,", "Hello Channel 8,"): the desk, not the story.
_SALUTATION = re.compile(r"\A\s*(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|attn|attention"
                         r"|to|hola|buenos d[ií]as|estimad[oa]s?)\b[^\n]{0,60}|[^\n!?]{0,40}[,:])[ \t]*\n",
                         re.IGNORECASE)
_SIGN_OFF = re.compile(r"(?i)^\s*(?:(?:thanks|thank you|thx|regards|best(?: regards| wishes)?|cheers|sincerely|"
                       r"respectfully|warmly|cordially|yours(?: truly)?|kind regards|gracias|saludos|atentamente|"
                       r"obrigad[oa]|sent from|enviado desde)\b[^\n]{0,30}|--\s*\S?[^\n]{0,40})$")
# A forwarded message's header lines: who wrote to whom is not the story (its Subject: line is).
_HEADER = re.compile(r"(?i)^\s*(?:from|sent|to|cc|bcc|date|reply-to|de|para|enviado|fecha|asunto)\s*:")
_SUBJECT = re.compile(r"(?i)^\s*subject\s*:\s*")
_MARKER = re.compile(r"(?i)^\s*(?:-{2,}.*(?:forwarded|original|mensaje).*-*|begin forwarded message:?|_{8,}|-{8,})\s*$")
# A word, a number (a long or hyphenated one is a phone or file number: skipped below), or a break.
_TOKEN = re.compile(r"(\d+(?:st|nd|rd|th)\b|\d(?:[\d,./-]*\d)?[a-zA-Z]?(?!\w))|([^\W\d_]+(?:['’-][^\W\d_]+)*)(\.?)"
                    r"|(\n\s*\n|[^\w\s#])")
_NUMBER = re.compile(r"\d{1,4}[a-z]?")
_ORDINAL = re.compile(r"\d{1,3}(?:st|nd|rd|th)")
_SHOUTED = re.compile(r"\b[A-Z]{2,}(?:[ \t]+[A-Z]{2,})+\b")  # two or more words in capitals in a row
_SENTENCE_END = re.compile(r"[.!?]\s*$")


def own_text(subject: str, body: str) -> str:
    """The subject and the body a reader wrote: no salutation, no quoted lines, no forwarded
    header lines, no sign-off or the name block under it."""
    body = _SALUTATION.sub("", body, count=1)
    lines: list[str] = []
    skipping = False  # inside a sign-off's block: until a blank line
    for line in body.split("\n"):
        stripped = line.strip()
        if not stripped:
            skipping = False
            lines.append("")
            continue
        if skipping or stripped.startswith(">") or _HEADER.match(line) or _MARKER.match(line):
            lines.append("")  # a break: the run of names before it ends here
            continue
        if _SIGN_OFF.match(line) and len(stripped) < 45:
            skipping = True
            lines.append("")
            continue
        # "FOR IMMEDIATE RELEASE", "NO HEAT AGAIN": shouted words name nothing (an acronym alone does).
        line = _SHOUTED.sub(lambda m: m.group().lower(), line)
        lines.append(_SUBJECT.sub("", line) + ("\n" if _SUBJECT.match(line) else ""))
    return subject + "\n\n" + "\n".join(_drop_name_blocks(lines))


def _drop_name_blocks(lines: list[str]) -> list[str]:
    """A paragraph of short lines that opens with one to three capitalised words, after the
    tip's first paragraph, is a signature ("Greg Amato / Fishtown"): the reader, not the story."""
    out: list[str] = []
    block: list[str] = []
    paragraphs = 0

    def flush() -> None:
        nonlocal paragraphs
        if block:
            first = block[0].strip().split()
            is_name = (paragraphs > 0 and 1 <= len(first) <= 3 and all(w[:1].isupper() for w in first)
                       and all(len(line.split()) <= 6 and not _SENTENCE_END.search(line) for line in block))
            out.extend([""] * len(block) if is_name else block)
            paragraphs += 1
            block.clear()

    for line in lines:
        if line.strip():
            block.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return out


def _tokens(text: str, title_case: bool) -> list[tuple[str, str, bool]]:
    """(kind, text, sentence-initial) for each word, number and break of a text."""
    out: list[tuple[str, str, bool]] = []
    append = out.append
    initial = True
    for number, word, dot, brk in _TOKEN.findall(text):
        if number:
            append(("number", number, False))
            initial = False
        elif word:
            append(("word", word, initial or title_case))
            if dot:
                lower = word.lower()
                is_abbreviation = lower in ABBREVIATIONS or lower in TITLES or len(word) == 1
                append((("dot" if is_abbreviation else "break"), ".", False))
                initial = not is_abbreviation
            else:
                initial = False
        else:
            append(("break", brk, False))
            initial = brk.strip() in ("", ".", "!", "?", ":", ";")
    return out


def names(subject: str, body: str, text: str | None = None) -> dict[str, int]:
    """The salient names of a tip: text -> kinds (NAME | WHERE | ID), strongest first; text only
    for hashing (inbox.sort.stories) and tests, never stored. `text`: own_text() already made."""
    text = own_text(subject, body) if text is None else text
    subject_words = [w for w in re.findall(r"[^\W\d_]+", subject) if len(w) > 3]
    title_case = bool(subject_words) and sum(w[0].isupper() for w in subject_words) * 2 > len(subject_words)
    head, _, rest = text.partition("\n\n")
    tokens = _tokens(head, title_case) + [("break", "\n\n", False)]
    in_subject = len(tokens) if title_case else 0  # a Title Case subject's capitals name nothing by themselves
    tokens += _tokens(rest, False)
    words = [t for kind, t, _ in tokens if kind == "word"]
    shouting = len(words) > 8 and sum(w.isupper() and len(w) > 1 for w in words) * 3 > len(words)
    mid_caps = {t for kind, t, initial in tokens if not initial and kind == "word" and t[0].isupper()}
    found: dict[str, int] = {}
    run: list[str] = []
    run_after: list[str] = [""]  # the word before the run

    def end_run() -> None:
        if not run:
            return
        # The words of a longer name each, but not its generic nouns ("Lehigh River": "lehigh" and the phrase).
        generic = GENERIC if len(run) > 1 else CIVIC
        words_in = [w for w in run if w not in generic and w not in NOT_NAMES and len(w) > 1]
        if words_in:
            tail = len(run)
            while tail > 0 and run[tail - 1] in CIVIC:
                tail -= 1
            kind = WHERE if (run[-1] in PLACE_NOUNS or run_after[0] in LOCATIVES) else NAME
            start = 0
            while start < tail and (run[start] in TITLES or run[start] in CIVIC):
                start += 1
            phrase = run[start:tail]
            if len(phrase) >= 2:
                found[" ".join(phrase[:4])] = found.get(" ".join(phrase[:4]), 0) | kind
            for w in words_in:
                found[w] = found.get(w, 0) | kind
        run.clear()

    previous = None  # a word that can own the number after it
    last_word = ""
    street_of_number = False  # the word after an ordinal is its street ("2nd St."): no name of its own
    for at, (kind, text, initial) in enumerate(tokens):
        if kind == "number":
            end_run()
            number = text.replace(",", "").lower()
            if _ORDINAL.fullmatch(number):
                following = _next_word(tokens, at)
                if following in STREET_NOUNS or last_word in COMPASS or _at_a_corner(tokens, at):
                    found[f"{number} street"] = found.get(f"{number} street", 0) | ID | WHERE
                    street_of_number = True
            elif previous and _NUMBER.fullmatch(number):
                found[f"{previous} {number}"] = found.get(f"{previous} {number}", 0) | ID
            previous, last_word = None, ""
            continue
        if kind == "dot":
            continue  # "Pct. 14", "No. 5": the abbreviation still pairs with its number
        if kind == "break":
            end_run()
            previous, last_word = None, ""
            continue
        lower = text.lower()
        if street_of_number:
            street_of_number = False
            if ABBREVIATIONS.get(lower, lower) in STREET_NOUNS:
                previous, last_word = None, lower
                continue
        if lower.endswith(("'s", "’s")):
            lower = lower[:-2]  # "Crestline's" is Crestline
        word = ABBREVIATIONS.get(lower, lower)
        capitalised = text[0].isupper() and not shouting and (
            not initial or text in mid_caps
            or (at >= in_subject and lower not in NOT_NAMES and _next_is_capital(tokens, at, mid_caps)))
        acronym = text.isupper() and 2 <= len(text) <= 6 and not shouting and lower not in NOT_NAMES
        previous = word if (word in ID_NOUNS or capitalised) and word not in NOT_NAMES and len(word) > 1 else None
        if (capitalised or acronym) and lower not in NOT_NAMES and len(lower) > 1:
            if not run:
                run_after[0] = last_word
            run.append("saint" if lower == "st" and not run else word)  # "St. Anne" but "Main St."
        elif run and lower == "of" and _next_is_capital(tokens, at, mid_caps):
            run.append("of")  # "Bureau of Consumer Protection"
        else:
            end_run()
        last_word = lower
    end_run()
    return dict(list(found.items())[:MAX_NAMES])


def _at_a_corner(tokens: list[tuple[str, str, bool]], at: int) -> bool:
    """The ordinal at `at` names a corner's street: "38th & Pine", "38th and Pine" (a capitalised
    word that is no weekday, month or function word after "&" or "and")."""
    if at + 2 >= len(tokens):
        return False
    (kind, link, _), (next_kind, name, _) = tokens[at + 1], tokens[at + 2]
    return ((kind == "break" and link == "&") or (kind == "word" and link == "and")) and next_kind == "word" \
        and name[0].isupper() and name.lower() not in NOT_NAMES


def _next_word(tokens: list[tuple[str, str, bool]], at: int) -> str:
    for kind, text, _ in tokens[at + 1:at + 3]:
        if kind == "word":
            lower = text.lower()
            return ABBREVIATIONS.get(lower, lower)
        if kind == "break":
            return ""
    return ""


def _next_is_capital(tokens: list[tuple[str, str, bool]], at: int, mid_caps: set[str]) -> bool:
    """The next token is a capitalised word that is no function word (so "Cherry Creek" at a
    sentence's start is a name, and "The Board" is not two)."""
    if at + 1 >= len(tokens):
        return False
    kind, text, _ = tokens[at + 1]
    return kind == "word" and text[0].isupper() and text.lower() not in NOT_NAMES


def extract(subject: str, body: str) -> list[str]:
    """The salient names as text, phrases and numbers first (tests, and the bench's eyes only)."""
    found = names(subject, body)
    return sorted(found, key=lambda k: (-(" " in k), list(found).index(k)))
