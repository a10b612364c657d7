"""The words mail clients write around a quoted reply, per language: data for quotes.py.

Each table is read top to bottom; a row is one client format or one language's
convention, never one message's wording. Matching is case-insensitive and done
on a line stripped of its quote markers ("> ") and surrounding spaces.
Languages: en de fr es pt it nl da sv no pl, with ru ja zh ko where a client
ships them.
"""
from __future__ import annotations

import re


def _words(*rows: str) -> str:
    """One alternation of phrases, longest first, a space matching any run of spaces."""
    phrases = sorted({phrase for row in rows for phrase in row.split("|")}, key=len, reverse=True)
    return "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in phrases)


# "-----Original Message-----" (Outlook plain text, Yahoo, Zimbra, Samsung, Proton, QQ, Lotus).
ORIGINAL_MESSAGE = _words(
    "original message|original e-mail",                       # en: Outlook, Zimbra, Samsung, Proton
    "ursprüngliche nachricht|original nachricht",             # de
    "message d'origine|message original|courriel original",   # fr
    "mensaje original",                                       # es
    "mensagem original",                                      # pt
    "messaggio originale",                                    # it
    "oorspronkelijk bericht|origineel bericht",               # nl
    "oprindelig meddelelse|original meddelelse",              # da
    "ursprungligt meddelande|originalmeddelande",             # sv
    "opprinnelig melding|original melding",                   # no
    "wiadomość oryginalna|oryginalna wiadomość",              # pl
    "исходное сообщение|пересланное сообщение",               # ru
    "原始邮件|原始郵件|元のメッセージ|원본 메시지",            # zh, ja, ko
)

# What introduces forwarded content, which is never cut: a source often forwards the leak itself.
FORWARD_MARKER = _words(
    "forwarded message|begin forwarded message|forwarded e-mail|begin forwarded text",  # en: Gmail, Apple, Eudora
    "weitergeleitete nachricht|anfang der weitergeleiteten nachricht",           # de
    "message transféré|début du message réexpédié|début du message transféré",   # fr
    "mensaje reenviado|comienzo del mensaje reenviado|inicio del mensaje reenviado",  # es
    "mensagem encaminhada|início da mensagem reencaminhada|mensagem reencaminhada",   # pt
    "messaggio inoltrato|inizio messaggio inoltrato",                            # it
    "doorgestuurd bericht|begin doorgestuurd bericht",                           # nl
    "videresendt meddelelse|start på videresendt besked|videresendt besked",     # da
    "vidarebefordrat meddelande|vidarebefordrat mejl|början på vidarebefordrat brev",  # sv
    "videresendt melding|begynnelse på videresendt melding",                     # no
    "wiadomość przekazana dalej|początek przekazywanej wiadomości|przekazana wiadomość",  # pl
    "пересылаемое сообщение|转发的邮件|轉寄的郵件|転送されたメッセージ",          # ru zh ja
)
# Subject prefixes that say the whole message is a forward (its Outlook block is content).
FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|fw|wg|tr|rv|enc|vs|vb|vl|pd|i|doorst|pm|转发|転送)\s*:", re.IGNORECASE)

# Outlook's (and Windows Mail's, Zimbra's, WEB.DE's, Orange's, Notes') header block labels.
HEADER_LABELS: dict[str, str] = {
    # the sender
    **dict.fromkeys(
        "from|von|de|da|van|fra|från|od|от|差出人|发件人|寄件者|보낸 사람|expéditeur|remitente|afzender|"
        "avsändare|avsender|nadawca|mittente".split("|"),
        "sender",
    ),
    # when it was sent
    **dict.fromkeys(
        "sent|date|gesendet|gesendet am|datum|envoyé|envoyé le|date d'envoi|enviado|enviada|enviado el|"
        "enviado em|enviada em|data de envio|fecha|data|inviato|inviato il|verzonden|verzonden op|verstuurd|"
        "sendt|sendt den|skickat|skickat den|wysłano|data wysłania|отправлено|дата|送信日時|日付|发送时间|发送日期|"
        "日期|寄件日期|時間|보낸 날짜|message du".split("|"),
        "date",
    ),
    # to whom
    **dict.fromkeys("to|an|à|a|para|aan|til|till|do|кому|宛先|收件人|收件者|받는 사람".split("|"), "to"),
    **dict.fromkeys("cc|kopie|copie|copie à|cópia|cco|kopi|kopia|dw|копия|抄送|副本".split("|"), "cc"),
    # what it was about ("Re:" is left out: a pasted memo's label, not a client's)
    **dict.fromkeys(
        "subject|betreff|objet|asunto|assunto|oggetto|onderwerp|emne|ämne|temat|тема|件名|主题|主旨|제목".split("|"),
        "subject",
    ),
}
HEADER_LINE = re.compile(
    r"^\*?(?P<label>" + _words(*HEADER_LABELS) + r")\*?\s*[:：]\*?(\s|$)(?P<value>.*)$", re.IGNORECASE
)

# Headers only a raw dump has (a client's reply block never shows them): such a block is content.
RAW_HEADER = re.compile(
    r"^(message-id|reply-to|return-path|received|mime-version|content-[\w-]+|x-[\w-]+|in-reply-to|references|"
    r"delivered-to|user-agent|organization|sender|precedence|list-[\w-]+)\s*:",
    re.IGNORECASE,
)

# Attribution verbs: "On <date>, X wrote:" and its translations, wherever the verb sits.
ATTRIBUTION_VERB = _words(
    "wrote|writes|said",                                          # en
    "schrieb|geschrieben|hat geschrieben",                        # de
    "a écrit|écrit",                                              # fr
    "escribió|ha escrito",                                        # es
    "escreveu",                                                   # pt
    "ha scritto|scrisse",                                         # it
    "schreef|het volgende geschreven|geschreven",                 # nl
    "skrev|skreiv",                                               # da sv no
    "napisał(a)|napisał|napisała|pisze|napisana przez|napisał/a", # pl
    "написал(а)|написал|написала|пишет",                          # ru
    "写道|寫道|のメール|님이 작성|kirjoitti|napsal|írta",          # zh ja ko fi cs hu
)
# Words an attribution opens with, per language (the strong form that may introduce an unmarked quote).
ATTRIBUTION_OPENING = _words(
    "on",                       # en: Gmail, Apple, Thunderbird, Yahoo, Proton, Roundcube, Spark
    "am",                       # de
    "le",                       # fr
    "el",                       # es
    "em|no dia",                # pt
    "il|il giorno",             # it
    "op",                       # nl
    "den|på",                   # da sv no
    "w dniu|dnia|wiadomość napisana przez",  # pl
)

# Lines phones and webmail add by themselves ("Sent from my iPhone", "Get Outlook for iOS").
_MOBILE_ROWS = (
    r"sent (from|with|via|using) (my |the )?(?P<device>[^,.<]{2,40})([,.<].{0,80})?",  # en: any phone, app
    r"(get|download) outlook for \w+.{0,80}",                                           # en: Outlook mobile
    r"von meinem .{2,40} gesendet|gesendet von .{2,40}|outlook für \w+ beziehen.{0,80}",  # de
    r"envoy[ée] (de|depuis) (mon )?.{2,40}|(t[ée]l[ée]charger|obtenir) outlook pour \w+.{0,80}",  # fr
    r"enviado desde (mi )?.{2,40}|obtener outlook para \w+.{0,80}",                      # es
    r"enviad[oa] do (meu )?.{2,40}|(obter o|baixe o) outlook para \w+.{0,80}",           # pt
    r"inviato da(l mio)? .{2,40}|scarica outlook per \w+.{0,80}",                        # it
    r"(verzonden|verstuurd) (vanaf|met) (mijn )?.{2,40}|outlook voor \w+ downloaden.{0,80}",  # nl
    r"sendt fra (min )?.{2,40}|(hent|få) outlook til \w+.{0,80}",                        # da no
    r"skickat från (min )?.{2,40}|skaffa outlook för \w+.{0,80}",                        # sv
    r"wysłane z (mojego )?.{2,40}|pobierz (aplikację )?outlook dla .{2,60}",              # pl
    r"отправлено с .{2,40}|从我的.{2,20}发送|.{2,20}から送信",                             # ru zh ja
)
MOBILE_TAG = re.compile("^(" + "|".join(_MOBILE_ROWS) + ")$", re.IGNORECASE)

# What an English "Sent from my ..." names: a device, a carrier or a mail app (not "my desk").
DEVICE = re.compile(
    r"iphone|ipad|ipod|mobile|phone|android|galaxy|samsung|blackberry|pixel|huawei|xiaomi|nokia|tablet|"
    r"device|watch|outlook|mail|yahoo|gmail|aol|proton|spark|superhuman|verizon|at&t|t-mobile|sprint|"
    r"vodafone|orange|telekom|airmail|\bapp\b",
    re.IGNORECASE,
)

# Valedictions that open a signature, alone on their line (a name may follow on the same line).
VALEDICTION = re.compile(
    r"^(" + _words(
        "thanks|thank you|thanks again|thanks so much|thank you so much|many thanks|thanks in advance|thx|ty|"
        "cheers|regards|best|best regards|kind regards|warm regards|warmest regards|kindest regards|"
        "with regards|with thanks|best wishes|warm wishes|all the best|all best|sincerely|sincerely yours|"
        "yours sincerely|yours truly|very truly yours|yours faithfully|respectfully|respectfully yours|"
        "take care|talk soon|cordially|peace|blessings|god bless|in solidarity|yours|warmly|gratefully|"
        "with appreciation|stay safe|thanks and regards|thanks & regards|thanks and best|rgds|br",       # en
        "mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|freundliche grüsse|viele grüße|"
        "viele grüsse|beste grüße|beste grüsse|liebe grüße|liebe grüsse|herzliche grüße|schöne grüße|"
        "grüße|grüsse|gruß|gruss|lg|vg|mfg|besten dank|vielen dank|danke|mit besten grüßen|"
        "mit besten grüssen|schöne grüsse|herzliche grüsse|herzlichst",                                 # de
        "cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|sincères salutations|"
        "salutations distinguées|merci|merci beaucoup|merci d'avance|merci encore|bonne journée|"
        "bonne soirée|amitiés|amicalement|bises|à bientôt|bien à toi",                                   # fr
        "saludos|un saludo|saludos cordiales|un cordial saludo|atentamente|cordialmente|gracias|"
        "muchas gracias|un abrazo|abrazos|saludos y gracias|gracias de antemano|mis saludos",         # es
        "atenciosamente|cumprimentos|melhores cumprimentos|com os melhores cumprimentos|abraços|abraço|"
        "obrigado|obrigada|saudações|att|grato|grata|um abraço|beijos|abs",                            # pt
        "cordiali saluti|distinti saluti|saluti|un saluto|un caro saluto|grazie|grazie mille|a presto|"
        "buona giornata|cari saluti|saluti cordiali|cordialmente",                                      # it
        "met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|vriendelijke groeten|groet|"
        "groeten|hartelijke groet|hartelijke groeten|mvg|bedankt|dank je wel|dank u wel|groetjes|"
        "met hartelijke groet|vriendelijke groet en dank",                                              # nl
        "med venlig hilsen|venlig hilsen|de bedste hilsner|bedste hilsner|mange hilsner|hilsen|kh|"
        "mvh|vh|tak|mange tak|kærlig hilsen|venlig hilsen og tak",                                     # da no
        "med vennlig hilsen|vennlig hilsen|beste hilsen",                                               # no
        "med vänliga hälsningar|vänliga hälsningar|bästa hälsningar|hälsningar|hälsning|tack|mvh|"
        "med vänlig hälsning|vänlig hälsning|tack på förhand|vänligen",                                  # sv
        "pozdrawiam|pozdrawiam serdecznie|serdecznie pozdrawiam|z poważaniem|z wyrazami szacunku|"
        "pozdrowienia|dziękuję|z bogiem|łączę pozdrowienia|serdeczne pozdrowienia|"
        "łączę wyrazy szacunku|z pozdrowieniami|dzięki",                                                 # pl
        "с уважением|спасибо|всего доброго|よろしくお願いします|よろしくお願いいたします|谢谢|此致|감사합니다",
    ) + r")\s*[,.!:;–—-]*(\s*/\s*.{2,40}|\s+(?-i:[A-ZÀ-Þ]\S*)(\s(?-i:[A-ZÀ-Þ]\S*))?"
    r"|\s+(aus|from|de|desde|da|dal|uit|fra|från|z|ze)\s+(?-i:[A-ZÀ-ÞŁŚŻ]\S*)(\s\S+)?)?\s*$",
    # a name may follow ("Thanks, Lynn"), or a place ("Viele Grüße aus Kassel", "Saludos desde Lima")
    re.IGNORECASE,
)

# Gateway banners a receiving system puts above the reader's words: not the reader's text.
BANNER = re.compile(
    r"\W{0,3}(caution|warning|attention|achtung|vorsicht|precaución|atención|attenzione|let op|advarsel|"
    r"varning|uwaga|notice)\s*:"                                                    # CAUTION: ... in any language
    r"|[\[(*]+\s*(external|extern|externe?|ext|externo|esterno)\b"                   # [EXTERNAL], *** EXTERNAL ***
    r"|(external|extern|externe?|externo|esterno)( e-?mail| sender| message)?\s*[:!]"  # EXTERNAL EMAIL:
    r"|(some people who received this message )?(you )?don'?t often get email from"   # Microsoft 365 first contact
    r"|this (e-?mail|message) (originated|came|was sent|is) from (an? )?(outside|external)",
    re.IGNORECASE,
)

# A paragraph under the quote that a list or group appended (not the reader's words nor signature).
LIST_FOOTER = re.compile(
    r"unsubscribe|\(un\)subscri|you received this message because|mailing list|listinfo|groups sponsor|"
    r"abmelden|désabonner|darse de baja|cancelar a inscrição|disiscriverti|afmelden|afmeld|avregistrera|wypisać",
    re.IGNORECASE,
)

# Words of the legal or company-register notices that end a signature, however long their lines.
DISCLAIMER = re.compile(
    r"confidential|privileged|intended (only )?for|intended recipient|disclaimer|registered (in|office)|"
    r"company (no|number)|vertraulich|amtsgericht|registergericht|handelsregister|hrb|geschäftsführ|"
    r"sitz der gesellschaft|confidentiel|destinataire|confidencial|destinatario|informações confidenciais|"
    r"destinatário|riservat|confidenziale|vertrouwelijk|geadresseerde|fortrolig|modtager|konfidentiell|"
    r"mottagare|poufn|adresat|конфиденциальн|機密|保密|right-to-know|public record|this (e-?mail|message) (and|may)",
    re.IGNORECASE,
)
