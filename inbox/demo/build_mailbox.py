"""Writes the demo mailbox's messages that need real MIME: attachments, HTML, charsets, a bounce.

The plain-text tips in mailbox/ are written by hand; the ones here are built with
the email package so their structure (multipart, cid references, quoted-printable,
RFC 2047 words) is valid. Run it again after editing: the output is byte-stable.
"""
from __future__ import annotations

import struct
import zlib
from email import message_from_string
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

MAILBOX = Path(__file__).with_name("mailbox")
REPORTER = "Maya Torres <yourreporter@station.example>"
POLICY = default_policy.clone(linesep="\n", max_line_length=78)


def tiny_png(width: int = 48, height: int = 32) -> bytes:
    """A small valid PNG (a grey gradient with a dark diagonal 'crack')."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            shade = 120 + (x * 2 + y) % 90
            if abs(x - y * width // height) < 2:
                shade = 40
            row += bytes((shade, shade, shade - 10))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page valid PDF showing lines of text (offsets in the xref are computed)."""
    text = "BT /F1 11 Tf 60 740 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*" for line in lines
    ) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _message(sender: str, subject: str, date: str, message_id: str) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["Message-ID"] = message_id
    msg["Date"] = date
    msg["From"] = sender
    msg["To"] = REPORTER
    msg["Subject"] = subject
    return msg


def bridge_photo() -> EmailMessage:
    """A transit tip with a photo attached (image/png)."""
    msg = _message("Greg Pham <gpham.inspector@example.com>", "Elm Street bridge inspection is 14 months overdue",
                   "Wed, 25 Nov 2026 18:20:41 -0600", "<elm-bridge-photo-1@example.com>")
    msg.set_content(
        "Maya,\n\nI retired from the state DOT bridge unit in the spring. The Elm Street\n"
        "bridge over the Kettle River was rated 4 (poor) on its last inspection in\n"
        "September 2024. Poor-rated bridges are supposed to be inspected every 12\n"
        "months. It has not been inspected since; the unit is down to two crews for\n"
        "the whole district.\n\nI took the attached photo from the river trail on Sunday. The spalling on\n"
        "the middle pier cap is much worse than in 2024 and there's exposed rebar.\n\n"
        "The inspection schedule is public if you ask DOT for it. Ask for district 3.\n\nGreg Pham\n")
    msg.add_attachment(tiny_png(), maintype="image", subtype="png", filename="elm-st-pier-3.png")
    return msg


def nursing_home_html() -> EmailMessage:
    """An HTML tip with an inline cid: image and a remote tracking pixel (must never load)."""
    msg = _message("Carol Jennings <carol.jennings@example.org>", "Residents left in soiled beds at Maple Grove Care Center",
                   "Sun, 08 Nov 2026 15:31:02 -0600", "<maple-grove-html-22@example.org>")
    text = ("Dear Maya,\n\nMy father lives at Maple Grove Care Center. Three weekends in a row I have\n"
            "found him in a soiled bed at 2 pm. There is one aide for 30 residents on\n"
            "weekends. The state inspection report from August cites staffing, but\n"
            "nothing has changed.\n\nCarol Jennings\n")
    html = (
        "<html><body style=\"font-family: Georgia, serif\">"
        "<p>Dear Maya,</p>"
        "<p>My father lives at <b>Maple Grove Care Center</b>. Three weekends in a row I have found him "
        "in a soiled bed at 2&nbsp;pm. There is <i>one aide for 30 residents</i> on weekends.</p>"
        "<p>The state inspection report from August cites staffing, but nothing has changed. "
        "Here is the call-light board at 1:40 on Saturday, with nine lights on:</p>"
        "<p><img src=\"cid:calllights-1@example.org\" alt=\"call-light board\" width=\"48\" height=\"32\"></p>"
        "<p>Other families have stopped complaining because they are afraid of retaliation.</p>"
        "<p>Carol Jennings</p>"
        "<img src=\"http://track.mailer.example/open/7f3a9c.gif\" width=\"1\" height=\"1\" alt=\"\">"
        "</body></html>"
    )
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(tiny_png(), maintype="image", subtype="png", cid="<calllights-1@example.org>",
                          disposition="inline", filename="calllights.png")
    return msg


def corrections_memo() -> EmailMessage:
    """A tip carrying a PDF document."""
    msg = _message("Insider DOC <doc.insider@example.net>", "Leaked memo: prison staffing at 58 percent",
                   "Sat, 14 Nov 2026 23:05:37 -0600", "<doc-memo-pdf-3@example.net>")
    msg.set_content(
        "This memo went to wardens last week. It hasn't been made public.\n\n"
        "Fort Carroll Correctional is running at 58% of authorized officer\n"
        "positions. Officers are working mandatory 16-hour shifts four times a\n"
        "week and the memo tells wardens to lock down units on weekends instead\n"
        "of asking for money. The Corrections Director told the legislature in\n"
        "October that staffing was 'stable'.\n\nI can't say who I am.\n")
    memo = tiny_pdf([
        "STATE DEPARTMENT OF CORRECTIONS - INTERNAL",
        "To: Wardens   From: Office of the Director   Date: November 6, 2026",
        "Re: Weekend operations",
        "",
        "Fort Carroll Correctional: 58% of authorized officer positions filled.",
        "Effective Nov. 14, units may be placed on modified lockdown Sat-Sun.",
        "Do not submit supplemental staffing requests this fiscal year.",
    ])
    msg.add_attachment(memo, maintype="application", subtype="pdf", filename="weekend-operations-memo.pdf")
    return msg


def bounce() -> EmailMessage:
    """A delivery-status report sent back to the reporter (never a tip to chase)."""
    return message_from_string(BOUNCE, policy=POLICY)


BOUNCE = """\
Message-ID: <20261118093001.A1B2C3@mx.station.example>
Date: Wed, 18 Nov 2026 09:30:01 -0600
From: Mail Delivery System <MAILER-DAEMON@mx.station.example>
To: yourreporter@station.example
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.station.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<anon.picker@example.com>: host mx.example.com said: 550 5.1.1
    mailbox unavailable

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.station.example

Final-Recipient: rfc822; anon.picker@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable

--b
Content-Type: text/rfc822-headers

From: Maya Torres <yourreporter@station.example>
To: anon.picker@example.com
Subject: Re: Worker crushed at the Route 40 fulfillment center
Message-ID: <maya-reply-2211@station.example>

--b--
"""


def cafe_quoted_printable() -> EmailMessage:
    """UTF-8 in quoted-printable, with accents and typographic quotes."""
    msg = _message("José Núñez <jose.nunez@example.com>", "Health inspector “lost” the report on the food plant",
                   "Tue, 10 Nov 2026 12:14:09 -0600", "<qp-utf8-nunez@example.com>")
    msg.set_content(
        "Hola Maya,\n\nI run a small café on Grant Avenue, and I get inspected every year — fair\n"
        "enough. But the Sunrise Foods processing plant on the east side, which\n"
        "supplies half the school lunches in the county, hasn’t had a public\n"
        "inspection report posted since 2024. When I asked the county, the clerk\n"
        "said the report was “misplaced.”\n\nTwo of my regulars work there and say a cooler failed for three days in\n"
        "October and they were told to keep packing. ¿Quién revisa eso?\n\nJosé Núñez\nCafé Núñez\n",
        charset="utf-8", cte="quoted-printable")
    return msg


def lead_water_latin1() -> EmailMessage:
    """An RFC 2047 subject and sender name, and an ISO-8859-1 body."""
    msg = _message("Zoë Castañeda <zoe.c@example.org>", "Lead in the water at Peña Elementary — parents never told",
                   "Thu, 19 Nov 2026 08:42:55 -0600", "<pena-lead-latin1@example.org>")
    msg.set_content(
        "Good morning,\n\nThe district tested drinking fountains at Peña Elementary in August. Three\n"
        "fountains came back above the federal action level for lead (the worst\n"
        "at 41 parts per billion). The results were posted on page 12 of a school\n"
        "board packet. Parents were never sent a letter and the fountains were\n"
        "still on when I visited on Monday.\n\nMy daughter is in 2nd grade there. Can you find out why?\n\n"
        "Zoë Castañeda\n", charset="iso-8859-1", cte="quoted-printable")
    return msg


def mold_windows1252() -> EmailMessage:
    """A windows-1252 body sent as 8bit, as older Outlook does."""
    msg = _message("Terrence Boyd <tboyd.hha@example.net>", "Housing authority ignoring black mold at Cedar Court",
                   "Mon, 23 Nov 2026 19:50:18 -0600", "<cedar-court-cp1252@example.net>")
    msg.set_content(
        "Ms. Torres,\n\nI’ve lived at Cedar Court public housing for 9 years. Since the roof leak\n"
        "in July there’s black mold in four units on my floor – mine included. My\n"
        "grandson’s asthma has put him in the ER twice. I’ve filed 6 work orders;\n"
        "every one was closed as “completed” without anybody coming.\n\n"
        "The Housing Authority’s board meets the 2nd Tuesday. Nobody there wants to\n"
        "hear it.\n\nTerrence Boyd\n", charset="windows-1252", cte="8bit")
    return msg


MESSAGES = {
    "19-bridge-inspection.eml": bridge_photo,
    "28-html-nursing-home.eml": nursing_home_html,
    "29-pdf-memo.eml": corrections_memo,
    "31-bounce.eml": bounce,
    "35-quoted-printable.eml": cafe_quoted_printable,
    "36-rfc2047-latin1.eml": lead_water_latin1,
    "48-windows-1252.eml": mold_windows1252,
}


def build(folder: Path = MAILBOX) -> list[Path]:
    """Write every built message into folder; boundaries are fixed so the bytes never change."""
    written = []
    for number, (name, make) in enumerate(MESSAGES.items()):
        msg = make()
        for index, part in enumerate(msg.walk()):
            if part.get_content_maintype() == "multipart":
                part.set_boundary(f"==demo-{number}-{index}==")
        path = folder / name
        path.write_bytes(msg.as_bytes(policy=POLICY))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path)
