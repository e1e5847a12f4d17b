"""A user- or vendor-supplied name in Slack shows literally: one line, no bidi tricks, no formatting, no pings."""

from __future__ import annotations

import pytest

from bot.views.format import name, plain

Z = "\u200b"  # the zero-width space `name` puts on both sides of a mrkdwn marker


@pytest.mark.parametrize(("raw", "shown"), [
    ("<!channel> *& Co*", f"&lt;!channel&gt; {Z}*{Z}&amp; Co{Z}*{Z}"),  # still escaped, once
    ("Acme\n• *Fake Co* — $99,999.00/mo", f"Acme • {Z}*{Z}Fake Co{Z}*{Z} — $99,999.00/mo"),
    ("Acme\r\n_x_ ~y~ `z`", f"Acme  {Z}_{Z}x{Z}_{Z} {Z}~{Z}y{Z}~{Z} {Z}`{Z}z{Z}`{Z}"),
    ("\u202eAcme\u2066 Co\u2069\u200e\u200f\u061c\u202a", "Acme Co"),
    ("line\u2028para\u2029tab\tnul\x00bell\x07", "line para tab nulbell"),
    ("> not a quote", f"{Z}&gt; not a quote"),
    ("Zoë 👨\u200d👩\u200d👧 Ltd", "Zoë 👨\u200d👩\u200d👧 Ltd"),  # joiners that make one emoji stay
])
def test_a_name_is_made_literal_for_mrkdwn(raw, shown):
    assert name(raw) == shown


def test_a_name_is_cut_before_markers_and_entities_are_added_so_none_is_split():
    assert name("&*" * 50, 5) == f"&amp;{Z}*{Z}&amp;{Z}*{Z}…"


def test_plain_text_is_one_line_without_bidi_controls():
    assert plain("Acme\n\u202eCorp", 75)["text"] == "Acme Corp"
