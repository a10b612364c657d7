"""Sensitive-content flags: tables of rules, read top to bottom (urgency is inbox.sort.urgency).

Sensitive rules record which *kinds* of personal data or sensitive subjects a
tip holds, never the matched text, so the board can mask previews and limit who
sees the tip. Most scan the whole body; phone and e-mail count only a third
private person's, in the reader's own words (CONTACT_KINDS below). Redaction
(inbox.board.redact) runs every pattern itself, whatever the kinds.
"""
from __future__ import annotations

import re
from inbox.sort.text import Scan, SortInput

_I = re.IGNORECASE
# Someone in particular, before a condition in the same sentence: a pronoun or a relative.
_PERSON = (r"\b(?:my|his|her|their|our|i|i'm|i've|i'd|he|she|he's|she's|me|him|son|daughter|mother|father|mom|dad|"
           r"wife|husband|brother|sister|grandmother|grandfather|grandma|grandpa|aunt|uncle|neighbou?r|"
           r"boy|girl|resident|inmate|coworker|co-worker|mi|su)\b")
# Capitalised words before a number that are not a child's name: months, days, "Room 4".
_NOT_NAMES = ("(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|"
              "August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
              "Sunday|Room|Route|Ward|District|Unit|Floor|Grade|Page|Item|Section|Article|No|Number|Chapter|"
              "Suite|Apt|Bus|Line|Exit|Station|Precinct|Lot|Building|Class|Step|Part|Phase|Case)\\b")

# (kind, rule name, pattern). A kind is recorded when any of its rules matches.
SENSITIVE_RULES: tuple[tuple[str, str, re.Pattern], ...] = (
    # North American numbers, with or without +1 and punctuation; and international +CC numbers.
    ("phone", "nanp-number", re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]\d{4}(?![\w-])")),
    ("phone", "international-number", re.compile(r"(?<!\w)\+[2-9]\d{0,2}[\s.-]?\d(?:[\s.-]?\d){6,12}(?!\w)")),
    # Bounded parts and a start only at a token boundary: a long run of letters scans in linear time.
    ("email", "email-address", re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,24}\b", _I)),
    # A house number, one to three capitalised words, and a street type.
    ("street_address", "house-number-street", re.compile(
        r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][\w'-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,3}"
        r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy)\b\.?")),
    ("street_address", "apartment-unit", re.compile(r"\b(?:apt|apartment|unit|suite)\.?\s*#?\s*\d+[a-z]?\b", _I)),
    ("ssn", "ssn-dashed", re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")),
    # An ITIN, the tax number of people who cannot have an SSN (many of them immigrants): 9XX with the IRS's middle ranges.
    ("ssn", "itin-dashed", re.compile(r"(?<![\d-])9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}(?![\d-])")),
    ("ssn", "ssn-named", re.compile(r"\b(?:ssn|social security (?:number|no\.?|#))\W{0,3}\d", _I)),
    ("alien_number", "a-number", re.compile(r"(?<![\w-])A[- ]?(?:\d{3}[- ]?\d{3}[- ]?\d{3}|\d{8})(?![\w-])")),
    ("alien_number", "a-number-named", re.compile(r"\b(?:a-number|alien (?:registration )?(?:number|no\.?|#))", _I)),
    ("date_of_birth", "dob-named", re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born on)\b", _I)),
    ("immigration_status", "status-words", re.compile(
        r"\b(?:undocumented|illegal(?:ly)? (?:alien|immigrant)s?|no papers|without papers|overstay(?:ed)?|"
        r"deport(?:ed|ation)|asylum|daca|green card|visa status|immigration status|ice detention|detained by ice)\b", _I)),
    # Lawful statuses are a status too: TPS, SIV, a visa, a work permit, refugee or parolee.
    ("immigration_status", "status-named", re.compile(
        r"\b(?:tps|temporary protected status|siv|special immigrant visa|refugee status|humanitarian parole|"
        r"work (?:permit|authorization)|(?:visa|permit|papers) (?:expired|ran out|is expiring)|"
        r"(?:expired|tourist|student|work|h-?2[ab]|h-?1b) visas?|overstayed|"
        r"(?:is|am|are|i'm|was|were) (?:not (?:a )?citizens?|(?:a )?refugees?|(?:a )?daca recipients?)|"
        r"(?:don'?t|doesn'?t|do not|does not|never) have (?:papers|documents|status|a visa|a green card)|"
        r"dreamers?)\b", _I)),
    # The same in Spanish: many readers who write about immigration do.
    ("immigration_status", "status-words-es", re.compile(
        r"\b(?:sin papeles|(?:no|tampoco|ni) (?:tienen?|tengo|tenemos) papeles|sin documentos|indocumentad[oa]s?|deportad[oa]s?|"
        r"deportaci[oó]n|asilo|permiso de trabajo|(?:la )?migra|"
        r"detenid[oa]s? por (?:ice|inmigraci[oó]n)|estatus migratorio)\b", _I)),
    # A condition of someone in particular (a person word before it in the sentence), not a
    # hospital's press release: diagnosed or chronic conditions, injuries, pregnancy, addiction.
    ("health", "diagnosed", re.compile(
        r"\b(?:diagnos(?:is|ed|e)|suffers? from|living with|battling|chronic(?:ally)? ill|terminally ill|"
        r"medical condition|pre-?existing condition|diagnostic[oa]|padece de|"
        r"immuno(?:compromised|suppress\w*))\b", _I)),
    ("health", "condition-of-someone", re.compile(
        r"\b(?:cancer|tumou?r|leukemia|lymphoma|chemo(?:therapy)?|dialysis|diabet(?:es|ic)|"
        r"asthma(?:tic)?|copd|emphysema|epilep(?:sy|tic)|seizures?|autis(?:m|tic)|adhd|"
        r"dementia|alzheimer'?s|parkinson'?s|hiv|hepatitis|tuberculosis|lupus|sickle cell|"
        r"cerebral palsy|multiple sclerosis)\b|\b(?:(?:has|have|with) (?:a |an )?(?:\w+ )?|(?:my|his|her|their) )"
        r"disabilit(?:y|ies)\b", _I)),
    ("health", "condition-of-someone-2", re.compile(
        r"\b(?:schizophreni\w*|bipolar|ptsd|depression|suicid(?:e|al)|eating disorder|"
        r"addict(?:ion|ed)?|overdosed?|rehab|in recovery|methadone|suboxone|opioid use|"
        r"pregnan(?:t|cy)|miscarri(?:age|ed)|prenatal|embarazad[ao]|"
        r"oxygen (?:tank|machine|concentrator)|on oxygen|ventilator|feeding tube|transplant|"
        r"heart (?:attack|failure|condition|disease)|cardiac arrest|stroke|kidney (?:failure|disease)|deaf|blind)\b", _I)),
    ("health", "injury-of-someone", re.compile(
        r"(?:\b(?:broken?|broke|fractured?) (?:\w+ )?(?:hip|arm|leg|wrist|ankle|ribs?|jaw|nose|"
        r"back|neck|skull|collarbone|foot|hand|pelvis|bones?)|\b(?:concussion|gunshot wounds?|injuries|bruises|bruised|sprained|"
        r"(?:was|were|got|been|is|are) (?:badly |seriously |critically )?(?:injured|wounded|burned|paralyzed|"
        r"hospitali[sz]ed|shot|stabbed|hit by a (?:car|truck|bus|driver)|struck by a (?:car|truck|bus|driver))|"
        r"in (?:the )?(?:icu|intensive care)|in a coma|stitches|surgery|amputat\w+|rash))\b", _I)),
    ("health", "medical-records", re.compile(r"\b(?:medical records?|hiv-positive|hiv positive)\b", _I)),
    ("health", "aids", re.compile(r"\bAIDS\b")),  # in capitals only: "aids" is also a verb
    # A child someone could identify: named, given an age or a school, or the sender a minor.
    # Not "my kids" in passing.
    ("minor", "named-child", re.compile(
        r"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir) (?:\d{1,2}[- ]year[- ]old )?(?:son|daughter|grandson|granddaughter|"
        r"stepson|stepdaughter|nephew|niece|child|kid|boy|girl|kids|children|sons|daughters|grandkids|grandchildren)"
        r"(?:,| is| are| named| called)? (?!I\b|The\b|He\b|She\b|It\b|We\b|They\b|"
        r"This\b|That\b|And\b|But\b|So\b|On\b|In\b|At\b|When\b|If\b|Then\b|Now\b)[A-Z][a-z]{1,15}\b")),
    ("minor", "child-with-age", re.compile(
        r"\b(?:my|our|his|her|their|mi|su|nuestr[oa]) (?:son|daughter|grandson|granddaughter|stepson|stepdaughter|"
        r"nephew|niece|child|kid|boy|girl|hij[oa]|niet[oa]|sobrin[oa])\b[^.!?\n]{0,40}?(?:\b(?:1[0-7]|[1-9])[- ]years?[- ]old|"
        r"\bage (?:1[0-7]|[1-9])\b|\b(?:1[0-7]|[1-9]) a[ñn]os)", _I)),
    # A grade and the school by name: "a 4th grader at Lincoln Elementary".
    ("minor", "grade-at-school", re.compile(
        r"\b(?:1[0-2]|[1-9])(?:st|nd|rd|th)[- ]grade(?:r|rs)? (?:at|in|from) (?:[A-Z][\w.'-]* ){1,4}"
        r"(?:Elementary|Middle|High|Academy|School|Charter|Prep)\b")),
    ("minor", "named-age", re.compile(
        rf"\b(?!{_NOT_NAMES})[A-Z][a-z]{{1,15}},? (?:(?:is|was) )?(?:(?:1[0-7]|[1-9])[- ][Yy]ears?[- ][Oo]ld|[Aa]ge (?:1[0-7]|[1-9])\b)"
        r"|\b(?:1[0-7]|[1-9])[- ][Yy]ear[- ][Oo]ld [A-Z][a-z]{1,15}\b"
        # ... or the child named beside the age: "a 13-year-old student, Emily ...", "an 8-year-old boy named Leo".
        r"|\b(?:1[0-7]|[1-9])[- ][Yy]ear[- ][Oo]ld (?:student|pupil|girl|boy|child|kid|son|daughter|"
        r"grandson|granddaughter|nephew|niece|camper|player)(?:,| named| called) [A-Z][a-z]{1,15}\b"
        r"|\b(?:1[0-2]|[1-9])(?:st|nd|rd|th)[- ][Gg]rader,? [A-Z][a-z]{1,15}\b")),
    ("minor", "name-and-age", re.compile(r"\b(?!Grade|Room|Route|Ward|District|Unit|Exit|Item|Page)[A-Z][a-z]{1,15} \((?:1[0-7]|[1-9])\)")),
    ("minor", "sender-is-a-minor", re.compile(
        r"\b(?:i'?m|i am|im) (?:only |just )?(?:1[0-7]|thirteen|fourteen|fifteen|sixteen|seventeen)\b(?! (?:years? (?:ago|in)|minutes|hours|days|weeks|months|of|percent|%))"
        r"|\b(?:i'?m|i am) (?:a|an) (?:\d{1,2}(?:th)?[- ](?:grade|grader)|high school (?:freshman|sophomore|junior)|"
        r"(?:freshman|sophomore|junior) (?:at|in) (?:\w+ ){0,4}high)|\bi'?m in (?:[6-9]|1[0-2])th grade|"
        r"\btengo (?:1[0-7]|trece|catorce|quince|diecis[eé]is|diecisiete) a[ñn]os|\b(?:(?:is|was|am|i'?m|a) minor|"
        r"menor de edad)(?! (?:issue|problem|detail|change|repair|injur\w*|offen[cs]e|league|point|thing|concern|"
        r"role|incident|delay|fix|errors?|mistakes?|glitch|adjustments?|amount))", _I)),
    ("minor", "foster-child", re.compile(r"\bfoster (?:child|kid|son|daughter)\b", _I)),
    # A child's age said of someone the tip has just named ("One of my players, Dante Reyes, was hit
    # ... He's 15."): the age closes its clause, so "he's 15 minutes late" is no age (the name: NEEDS_BEFORE).
    ("minor", "named-then-age", re.compile(
        r"\b(?:[Hh]e|[Ss]he)(?:'s|\u2019s| is) (?:only |just )?(?:1[0-7]|[1-9])(?: years? old)?(?=[.,;!?)]|\s+and\b|\s*$)")),
    # The reader asks not to be named, or fears what being known would cost them.
    ("anonymity", "do-not-name-me", re.compile(
        r"\b(?:don'?t|do not|please not|never|without|not|won'?t|can'?t|cannot|shouldn'?t|rather you didn'?t) "
        r"(?:\w+ ){0,3}(?:use|using|print|printing|publish|publishing|mention|mentioning|include|including|put|putting|"
        r"reveal|revealing|share|sharing|give|giving|attach|attaching|quote|quoting|name|naming|identify|identifying|"
        r"credit|attribute|cite|list|disclose|tie|connect|link|linking) (?:\w+ ){0,2}(?:my (?:real |full |last )?name|my identity|me by name|"
        r"my name|this to me|it to me|me to this|me\b)", _I)),
    ("anonymity", "anonymous", re.compile(
        r"\b(?:anonymity|anonymously|(?:stay|remain|(?<!not )be|being|kept|keep (?:me|it|this)|go|as an?) anonymous|"
        r"anonymous(?:,| if| please| source)|(?<!told us )(?<!told me )(?<!told him )(?<!told her )(?<!told them )(?<!said )(?<!spoke )(?<!talked )(?<!speaking )(?<!talking )(?:off the record|on background)|not for attribution|"
        r"unnamed source|confidential source|(?:leave|keep) (?:my name|me) out|name withheld|withhold my name|"
        r"not (?:be |being )?(?:named|identified|quoted)|(?:can'?t|cannot|can not|shouldn'?t|mustn'?t|won'?t|must not) be "
        r"(?:named|identified|quoted|recogni[sz]ed|known)|(?:identify|identifies|identified) me|traced? (?:back )?to me|"
        r"(?:don'?t|not|never|rather not|wouldn'?t)\b[^.!?\n]{0,25}?my name (?:out there|in (?:the |your )?(?:paper|print|story|article|news)|"
        r"attached|public|published|used|on (?:this|it|anything))|"
        r"between (?:you and me|us)|keep (?:this|it|me) (?:confidential|private|quiet|anonymous|between)|"
        r"confidential(?:ly|ity)? (?:please|if|request)|protect my (?:identity|name|job|privacy))\b", _I)),
    # The reader keeps this away from where they work: writes from a private account, asks not to be reached at work.
    ("anonymity", "kept-from-work", re.compile(
        r"\b(?:(?:writing|emailing|e-mailing|sending (?:this|you this)|contacting you) (?:you |to you )?(?:from|on) "
        r"(?:my |a )?(?:personal|private|home|other|separate) (?:account|e-?mail|address|phone)|"
        r"(?:don'?t|do not|please don'?t|never) (?:call|email|e-mail|contact|reach|text) (?:me )?"
        r"(?:(?:at|on|through|via) (?:my |the )?|my )(?:desk|work|office|job|agency|department|company)(?:'s)? ?(?:line|phone|number|e-?mail|address)?|"
        r"(?:not|never) (?:from|on|using) (?:my |a )?(?:work|office|agency|department|company) (?:account|e-?mail|computer|phone)|"
        r"desde mi (?:correo|cuenta) personal)\b", _I)),
    ("anonymity", "fears-for-job", re.compile(
        r"\b(?:(?:be|get|being|getting) (?:fired|sacked|terminated|let go|blacklisted|written up|disciplined|"
        r"transferred|punished|deported|evicted)|fire (?:me|us)\b|(?:lose|losing|lost|cost me|risk(?:ing)?) (?:my|our) (?:job|jobs|position|career|license|housing|apartment|lease)|"
        r"my job (?:is )?on the line|whistle-?blow\w*|retaliat\w* against (?:me|us|anyone who)|"
        r"(?:afraid|scared|fear(?:ful)?|terrified|worried|nervous) (?:of|about|that|to)\b[^.!?\n]{0,40}?"
        r"(?:retaliat\w*|reprisals?|reprisal|find(?:s|ing)? out|found out|know it was me|speak(?:ing)? (?:out|up)|"
        r"go(?:ing)? public|come forward|coming forward|(?:being |getting )?(?:identified|named|recogni[sz]ed|exposed|outed|caught)|talk(?:ing)? to (?:the press|reporters|you|a reporter)|"
        r"backlash|consequences)|fear (?:of )?(?:retaliation|reprisals?)|"
        r"(?:evict|fire|punish|deport|blacklist|retaliate against|target|come after) (?:me|us)\b)", _I)),
    ("anonymity", "who-must-not-know", re.compile(
        r"\b(?:my (?:boss|supervisor|manager|employer|principal|landlord|company|union|department|agency|office|"
        r"coworkers|co-workers|colleagues)|management|hr|anyone at work|the company) "
        r"(?:can'?t|cannot|must not|mustn'?t|shouldn'?t|won'?t|can never|must never) "
        r"(?:\w+ ){0,2}(?:know|find out|learn|see|hear|figure out|trace|identify)", _I)),
    ("anonymity", "cannot-let-them-know", re.compile(
        r"\b(?:can'?t|cannot|don'?t want to|do not want to) (?:have|let) (?:\w+ ){1,3}(?:know|find out|see|hear|learn)\b", _I)),
    ("anonymity", "throwaway-address", re.compile(
        r"\b(?:throwaway|burner|separate|new|personal|anonymous|second) (?:email|e-mail|account|address|gmail|phone)"
        r"(?: address)? (?:for this|so|because|to\b|i (?:made|set up|created))|"
        r"\b(?:i )?(?:made|set up|created|opened) (?:this|a new|a separate|a throwaway) (?:email|e-mail|account|address)", _I)),
    ("anonymity", "no-uses-mi-nombre", re.compile(
        r"\b(?:no|sin|nunca) (?:\w+ ){0,2}(?:us[ea]n?|uses|publi(?:que|ques|quen|car)|pong[ae]n?|pongas|mencion(?:e|es|en|ar)|"
        r"incluy(?:a|as|an)|revel(?:e|es|en|ar)|d(?:é|e|es|en|ar|igan?|igas)|nombr(?:e|es|en|ar)|identifi(?:que|ques|quen|car))\w* "
        r"(?:\w+ ){0,2}(?:mi nombre|mi identidad)|\b(?:an[oó]nim[oa]s?|anonimato|de manera an[oó]nima|"
        r"confidencial(?:mente)?|entre nosotros|que no se sepa|no quiero que (?:\w+ ){0,3}(?:sepa|sepan|se entere|se enteren)|"
        r"proteger? mi identidad|mi identidad)\b", _I)),
    ("anonymity", "represalias", re.compile(
        r"\b(?:represalias?|venganza|(?:perder|pierda|pierdo) (?:mi|el|nuestro) (?:trabajo|empleo|puesto)|"
        r"me (?:pueden|podr[ií]an|van a|vayan a|van) (?:a )?(?:despedir|correr|echar)|(?:me|nos) despid(?:en|an|ieran|ir[aá]n)|"
        r"(?:tengo|tenemos) miedo (?:de|a|que)\b|miedo a (?:hablar|que)|n[aã]o (?:\w+ )?(?:use|usem|publique|publiquem) (?:o )?meu nome|"
        r"an[oô]nim[oa]|repres[aá]lias|perder (?:o )?meu emprego|repr[eé]sailles|anonyme)\b", _I)),
)


# Phone numbers and e-mail addresses count only as a third private person's: not the sender's
# own (their signature, "call me at"), not an office's or a hotline's, not a quoted or forwarded
# header's correspondents, except the author of a forwarded memo when a private person: the
# manager whose e-mail a worker forwards is exposed by it, a senator's office is not.
CONTACT_KINDS = frozenset(("phone", "email"))
_CONTACT_RULES = {name: rx for kind, name, rx in SENSITIVE_RULES if kind in CONTACT_KINDS}
# A line of a forwarded or quoted message's header block: its addresses are correspondents', not a tip's subject.
_HEADER_LINE = re.compile(r"^[ >*]*(?:from|to|cc|bcc|sent|date|reply-to|de|para|von|an|envoy[ée]|[àa]|fra|til|"
                          r"fr[åa]n|till|od|do|van|aan|da|a)\s*:|\b(?:wrote|schrieb|escribi[óo]|a [ée]crit|escreveu|"
                          r"ha scritto|schreef|skrev|pisze)\b", re.I)
# RFC 2142 and the common role mailboxes: an organisation's desk, not a person.
_ROLE_ADDRESS = re.compile(
    r"^(?:info|contact|press|media|news|newsroom|tips?|office|admin|support|help|hello|team|staff|allstaff|all|hr|"
    r"dispatch|drivers|sales|service|services|noreply|no-reply|donotreply|elections?|clerk|cityclerk|council|mayor|"
    r"president|managers?|communications|comms|pr|publicsafety|webmaster|postmaster|abuse|security|billing|"
    r"accounts?|frontdesk|reception|inquiries|enquiries|feedback|editor|editors|desk)[._@-]", re.I)
# Words just before a number that make it the sender's own or a public line.
_OWN_OR_PUBLIC_NUMBER = re.compile(
    r"\b(?:(?:call|text|reach|contact|phone|ring) me|my (?:cell|phone|number|mobile|direct line|line)|me at|"
    r"call(?: back)?|"  # a number given to be called ("Call 555-…", "the number to call back is …"): not an exposure
    r"office|hotline|helpline|tip ?line|main (?:line|number)|switchboard|dispatch|press|media|public|"
    r"call(?:back)? (?:us|center|centre)|our (?:number|line|office)|toll(?:-free)?|fax)\b"
    r"[^\n\d\w]{0,3}(?:(?:is|at|on|number|line)\W{1,3}){0,2}$"
    # a contact block's label: "Cell: 555-…", "Tel. 555-…" (a signature's, an office's)
    r"|\b(?:tel|ph|cell|mobile|phone|fax)\s*[.:]\s*$", re.I)
# A contact block's line ("Contact: Ana Ruiz, organizer, 555-…", "Media contact: …"): a press release's
# or an office's published contact, whoever it names.
_CONTACT_LINE = re.compile(r"\W*(?:(?:media|press|news) )?contacts?\s*[:-]", re.I)
_TOLL_FREE = re.compile(r"^\D*(?:\+?1\D*)?\(?8(?:00|33|44|55|66|77|88)\b")
# The marker a mail client puts above a forwarded message (not a reply's "Original Message").
_FORWARDED = re.compile(r"^[ >*-]*(?:-+ ?(?:forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|"
                        r"mensaje reenviado|mensagem encaminhada|messaggio inoltrato|doorgestuurd bericht|"
                        r"videresendt meddelelse|vidarebefordrat meddelande|wiadomo[śs][ćc] przekazana)|"
                        r"begin forwarded message:)", re.I | re.M)
_FROM_LINE = re.compile(r"^[ >*]*(?:from|de|von|fra|fr[åa]n|od|van|da)\s*:", re.I)
# A public body's domain, judged label by label: a government's, a legislature's, a court's or a council's
# address is an office's, whoever holds it. A label is the body's name ("senate", "courts"), that name
# after a state's code ("pasenate", "nyassembly"), "cityof…"/"countyof…", or a place's name before
# "county", "township", "borough" or "council"; a word that merely contains one ("warehouse",
# "realestate", "govinda") is not.
_PUBLIC_LABEL = re.compile(
    r"(?:[a-z]{2})?(?:senate|legis(?:lature)?|assembly|congress|house|county|city|township|borough|council|"
    r"courts?|state|gov)|(?:cityof|countyof|townof|townshipof|boroughof|stateof)[\w-]+|"
    r"[\w-]+(?:county|township|borough|council)", re.I)
_PUBLIC_TOP = frozenset(("gov", "mil"))


def _a_public_bodys(address: str) -> bool:
    """Whether an address is on a public body's domain ("@senate.example.org", "@phila.gov", "@pasenate.com")."""
    labels = address.rpartition("@")[2].lower().split(".")
    if labels[-1] in _PUBLIC_TOP or (len(labels) > 2 and labels[-2] in _PUBLIC_TOP and len(labels[-1]) == 2):
        return True
    return any(_PUBLIC_LABEL.fullmatch(label) for label in labels[:-1])


def _a_third_persons(kind: str, rule: str, inp: SortInput) -> bool:
    """Whether one of the reader's own words' matches of a contact rule is a third private person's."""
    text = f"{inp.subject}\n{inp.own_words}"
    sender = inp.sender.lower()
    for m in _CONTACT_RULES[rule].finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        value = m.group(0)
        line = text[line_start:line_end if line_end >= 0 else len(text)]
        if _HEADER_LINE.search(line) and not (kind == "email" and _a_forwarded_memos_author(text, line_start, line)):
            continue
        if kind == "email":
            if value.lower() == sender or _ROLE_ADDRESS.match(value) or _a_public_bodys(value):
                continue
        elif (_TOLL_FREE.match(value) or _CONTACT_LINE.match(text, line_start)
              or _OWN_OR_PUBLIC_NUMBER.search(text[max(line_start, m.start() - 40):m.start()])):
            continue
        return True
    return False


def _a_forwarded_memos_author(text: str, line_start: int, line: str) -> bool:
    """Whether a header line is the From line just under a forwarded message's marker (a blank line between allowed)."""
    if not _FROM_LINE.match(line):
        return False
    above = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
    if not text[above:line_start].strip():  # Apple Mail: "Begin forwarded message:", a blank line, the headers
        above = text.rfind("\n", 0, max(above - 1, 0)) + 1
    return bool(_FORWARDED.match(text, above, line_start))


def _sender_is_a_throwaway(sender: str) -> bool:
    """A free mailbox whose name says it was made to send this: "ward4.tips@", "anon.nurse@"."""
    local, _, domain = sender.partition("@")
    return domain in THROWAWAY_DOMAINS and bool(THROWAWAY_NAME.search(local))


# Free and private mailboxes: where a reader makes an address to tip from.
THROWAWAY_DOMAINS = frozenset((
    "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com", "aol.com", "icloud.com",
    "proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io", "gmx.com", "gmx.net", "mail.com",
    "yandex.com", "zoho.com", "mailfence.com", "guerrillamail.com", "sharklasers.com", "mailinator.com",
    "yopmail.com", "10minutemail.com", "temp-mail.org", "cock.li", "disroot.org", "riseup.net",
))
THROWAWAY_NAME = re.compile(
    r"(?:^|[._\d-])(?:tips?|tipster|tipline|leaks?|source)(?:$|[._\d-])|anon|throwaway|burner|whistle|insider|"
    r"concerned|notmyname|noname|nobody|secret|anonim")


# Rules that count only with someone close before the match, in the same sentence: a
# condition is sensitive when it is someone's ("my mother's COPD"), not a clinic's ad; a
# firing is when it would be the reader's ("I'd be fired"). Looked for after the match, so
# the pattern's literal pre-check still passes over most tips.
NEEDS_BEFORE: dict[str, tuple] = {
    "condition-of-someone": (_PERSON, 60),
    "condition-of-someone-2": (_PERSON, 60),
    "injury-of-someone": (_PERSON, 60),
    # a first and last name written as a person's in the sentence or two before ("Dante Reyes, was hit",
    # "Maria Lopez was taken"; not "Kissel Hill Road."), as a tip names the child it then gives an age
    "named-then-age": (rf"\b(?!{_NOT_NAMES})[A-Z][a-z]{{1,15}} [A-Z][a-z]{{1,15}}"
                       r"(?:,| (?:was|is|has|had|got|went|came|lives|stays|goes|plays)\b)", 200, True),
    "fears-for-job": (r"\b(?:i|i'd|i'll|i'm|we|we'd|we'll|me|us|they'?d|they will|they would|they could|they'll|"
                      r"they might|they may|could|would|might|will)\b", 30),
}


class Near:
    """A Scan whose match counts only when `before` is found in the `window` characters
    before it, within the same sentence (or, `across`, in the sentences before it too)."""

    __slots__ = ("scan", "before", "window", "across")

    def __init__(self, scan: Scan, before: str, window: int, across: bool = False):
        self.scan, self.before, self.window, self.across = scan, re.compile(before), window, across

    def search(self, text: str, lowered: str) -> re.Match | None:
        if not self.scan.search(text, lowered):
            return None
        body = lowered if self.scan.lower else text
        for m in self.scan.pattern.finditer(body):
            lead = body[max(0, m.start() - self.window):m.start()]
            cut = -1 if self.across else max(lead.rfind("."), lead.rfind("!"), lead.rfind("?"), lead.rfind("\n"))
            if self.before.search(lead, cut + 1):
                return m
        return None


# Words one of which every match of a rule holds, for rules whose own literals are too
# common to pass over a tip cheaply ("me", "not", "he"): the tip's set of words, made once,
# is checked first. (tests/unit/test_sort_flags.py checks each gate against its rule.)
GATES: dict[str, frozenset[str]] = {name: frozenset(words.split()) for name, words in {
    "condition-of-someone": "cancer tumor tumour leukemia lymphoma chemo chemotherapy dialysis diabetes diabetic asthma "
                            "asthmatic copd emphysema epilepsy epileptic seizure seizures autism autistic adhd dementia "
                            "alzheimer alzheimers parkinson parkinsons hiv hepatitis tuberculosis lupus sickle palsy "
                            "sclerosis disability disabilities",
    "condition-of-someone-2": "bipolar ptsd depression suicide suicidal eating addict addiction addicted overdose "
                              "overdosed rehab recovery methadone suboxone opioid pregnant pregnancy miscarriage "
                              "miscarried prenatal embarazada embarazado oxygen ventilator feeding transplant heart "
                              "cardiac stroke kidney deaf blind schizophrenia schizophrenic schizophrenics",
    "injury-of-someone": "broken broke fracture fractured concussion gunshot injuries bruises bruised sprained injured "
                         "wounded burned paralyzed hospitalized hospitalised shot stabbed hit struck icu intensive "
                         "coma stitches surgery amputated amputation amputations rash",
    "named-age": "year years age grader",
    "named-then-age": "he she",
    "sender-is-a-minor": "10 11 12 13 14 15 16 17 thirteen fourteen fifteen sixteen seventeen freshman sophomore "
                         "junior grade grader minor menor tengo",
    "status-named": "tps temporary siv special refugee refugees humanitarian permit authorization visa visas papers "
                    "overstayed citizen citizens recipient recipients documents status green dreamer dreamers",
    "represalias": "represalia represalias venganza perder pierda pierdo despedir correr echar despiden despidan "
                   "despidieran despedirán despediran tengo tenemos miedo meu nome anônimo anônima anonimo anonima "
                   "represálias emprego représailles anonyme",
    "named-child": "son daughter grandson granddaughter stepson stepdaughter nephew niece child kid boy girl kids "
                   "children sons daughters grandkids grandchildren",
    "child-with-age": "son daughter grandson granddaughter stepson stepdaughter nephew niece child kid boy girl hijo "
                      "hija nieto nieta sobrino sobrina",
    "who-must-not-know": "boss supervisor manager employer principal landlord company union department agency office "
                         "coworkers co colleagues management hr anyone",
    "cannot-let-them-know": "have let",
    "throwaway-address": "email e mail account address gmail phone",
    "no-uses-mi-nombre": "nombre identidad anonimo anonima anonimos anonimas anónimo anónima anónimos anónimas "
                         "anonimato confidencial confidencialmente nosotros sepa sepan entere enteren",
    "anonymous": "anonymity anonymously anonymous record background attribution unnamed confidential confidentially "
                 "confidentiality leave keep withheld withhold named identified quoted recognized recognised known "
                 "identify identifies trace traced between protect name",
    "do-not-name-me": "use using print printing publish publishing mention mentioning include including put putting "
                      "reveal revealing share sharing give giving attach attaching quote quoting name naming "
                      "identify identifying credit attribute cite list disclose tie connect link linking",
    "kept-from-work": "personal private home other separate desk work office job agency department company",
    "fears-for-job": "fired sacked terminated let blacklisted written disciplined transferred punished deported "
                     "evicted fire lose losing lost cost risk risking job whistleblower whistleblowers "
                     "whistleblowing whistle retaliate retaliated retaliating retaliation retaliatory afraid scared "
                     "fear fearful terrified worried nervous evict punish deport blacklist target come",
}.items()}
_TOKEN = re.compile(r"\w+")


def _scan(name: str, rx: re.Pattern) -> Scan | Near:
    return Near(Scan(rx), *NEEDS_BEFORE[name]) if name in NEEDS_BEFORE else Scan(rx)


_SENSITIVE_SCANS = tuple((kind, name, _scan(name, rx), GATES.get(name)) for kind, name, rx in SENSITIVE_RULES)


def sensitive_kinds(inp: SortInput) -> tuple[tuple[str, ...], list[str]]:
    """The kinds found (sorted) and the name of the first rule that found each; never the matches."""
    text, lowered = inp.everything, inp.everything_lower
    kinds: set[str] = set()
    names: list[str] = []
    # The words of the whole text, made when a gate first asks; when the whole text is the
    # reader's words (no quote, no signature, a short body), the words the topic rules made.
    tokens: frozenset[str] | set[str] | None = inp.word_set if inp.everything == inp.words else None
    for kind, name, scan, gate in _SENSITIVE_SCANS:
        if kind in kinds:
            continue  # one rule per kind is enough to say so
        if gate is not None:
            tokens = set(_TOKEN.findall(lowered)) if tokens is None else tokens
            if gate.isdisjoint(tokens):
                continue
        if scan.search(text, lowered) and (kind not in CONTACT_KINDS or _a_third_persons(kind, name, inp)):
            kinds.add(kind)
            names.append(name)
    if "anonymity" not in kinds and _sender_is_a_throwaway(inp.sender):
        kinds.add("anonymity")
        names.append("throwaway-sender")
    return tuple(sorted(kinds)), names
