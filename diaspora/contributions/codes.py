"""Certificate codes: unguessable, easy to read aloud and type, with a check character.

A code is 15 random characters from Crockford's base 32 alphabet (75 bits: no letters I, L,
O or U, so nothing is confused with 1, 0 or V) and one check character, shown in groups of
four: `7KQ2-M9XD-4TRW-PH32`. Typed codes are forgiving: lower case, spaces, missing hyphens,
O for 0 and I or L for 1 are all read correctly. The check character catches a mistyped
character or two swapped neighbours before the database is asked.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 15
GROUP = 4
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check(symbols: str) -> str:
    """A weighted sum modulo 31 (a prime), so any single substitution or adjacent swap changes
    it (unless the two values differ by exactly 31, which only 0 and Z do)."""
    total = sum((position + 1) * _VALUES[symbol] for position, symbol in enumerate(symbols))
    return ALPHABET[total % 31]


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return _grouped(symbols + _check(symbols))


def normalise(typed: str | None) -> str | None:
    """The canonical form of a typed code, or None if it cannot be one of ours."""
    symbols = "".join(ch for ch in (typed or "").upper() if ch not in " -\t").translate(_READ_AS)
    if len(symbols) != RANDOM_LENGTH + 1 or any(ch not in _VALUES for ch in symbols):
        return None
    if _check(symbols[:-1]) != symbols[-1]:
        return None
    return _grouped(symbols)
