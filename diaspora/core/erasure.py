"""Taking an erased person's name out of text that other people keep (messages they were sent).

The name is matched whole and case-sensitively, so the name "Hope Ali" leaves "hope" and
"Hope Alison" alone. A one-word name that is also a word ("Will") still replaces that word where
it is capitalised in the text searched: callers search only text known to be about the person
or of a kind that names people, and there a garbled word is a lesser harm than a kept name.
"""

import re

FORMER_MEMBER = "A former member"


def name_pattern(name: str) -> re.Pattern | None:
    name = name.strip()
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") if name else None


def without_name(text: str, pattern: re.Pattern | None) -> str:
    """`text` with "a former member" for each use of the name ("A" at the start of a line)."""
    if pattern is None:
        return text

    def former(match: re.Match) -> str:
        at_start = match.start() == 0 or text[match.start() - 1] == "\n"
        return FORMER_MEMBER if at_start else FORMER_MEMBER.lower()

    return pattern.sub(former, text)
