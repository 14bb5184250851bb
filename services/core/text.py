"""Free text that displays as what it says.

A record's names and remarks are shown to officials and to the public in
every province. Characters that are not visible text can make a string
display as something else: bidirectional overrides reorder what follows
(a certificate "number" that reads backwards), zero-width characters make two
names look identical, control characters break lines and terminals, and
unassigned or private-use code points render as anything a font likes. They
are refused at the edge with where and what they are; Chinese, full-width
punctuation, the middle dot of transliterated names (·) and the other
characters real names and addresses use are letters, marks, numbers,
punctuation, symbols or spaces, and pass.
"""

from __future__ import annotations

import unicodedata

# Unicode general categories that are not visible text: controls, format
# characters (bidi controls, zero-width characters, BOM), surrogates,
# private use, unassigned, and the line and paragraph separators.
_REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_MULTI_LINE_ALLOWED = {"\n", "\t"}


def _check(value: str, allowed: set[str]) -> str:
    if value.isprintable():
        # Python's printable excludes every refused category (and spaces
        # other than " ", which the walk below lets through): most text ends here.
        return value
    for position, char in enumerate(value):
        if char in allowed or unicodedata.category(char) not in _REFUSED:
            continue
        name = unicodedata.name(char, "unnamed")
        raise ValueError(
            f"character U+{ord(char):04X} ({name}) at position {position} is not visible "
            "text (a control, formatting, private-use or unassigned character) and could "
            "make the text display as something else"
        )
    return value


def single_line(value: str) -> str:
    """`value`, or ValueError naming the first character that is not visible text."""
    return _check(value, set())


def multi_line(value: str) -> str:
    """As single_line, but line breaks and tabs are allowed."""
    return _check(value, _MULTI_LINE_ALLOWED)


def comparable(text: str) -> str:
    """Text as rules compare it: NFKC, no white space, case folded (a
    parameter or a name typed with full-width letters or spaces is the same)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()
