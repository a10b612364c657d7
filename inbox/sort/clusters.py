"""Content words: what a tip says, as the story index (inbox.sort.stories) reads it.

Greetings, sign-offs and function words (English and Spanish) are dropped, a
plural 's' too, so two readers telling one event in their own framing share
its content words ("boil advisory", "water main") and little else; the story
index weights them by how rare they are among the stored tips (TF-IDF).
"""
from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[^\W_]+")
# Function words, and the greetings and sign-offs every reader wraps a tip in.
STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves also get
much many really
got im ive id dont didnt cant wont isnt wasnt thats theres it's i'm i've don't
hi hello hey dear greetings morning afternoon evening folks team editor editors reporter newsroom
thanks thank thx regards best cheers sincerely warmly respectfully yours cordially kind wishes sent
from iphone android mobile please just wanted write writing let know tip tips story
re fw fwd forwarded subject
el la los las lo le les un una de del al que en por para con mi su es se pero como porque hay muy
""".split())


def words(text: str) -> set[str]:
    """The content words of a text, lower-cased, with a plural 's' dropped."""
    out = set()
    for w in set(_WORD.findall(text.lower())) - STOP_WORDS:  # each distinct word once
        if len(w) < 2:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return out


_COMPOUND = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def counts(text: str) -> Counter[str]:
    """Each content word of a text with how often it comes, for TF-IDF ("Wilkes-Barre" is one)."""
    out: Counter[str] = Counter()
    for w in _COMPOUND.findall(text.lower()):
        if len(w) < 2 or w in STOP_WORDS or w.isdigit():
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out[w] += 1
    return out

