"""Making, reading and hashing access codes.

A code is 10 characters from an alphabet without look-alikes (no I, O, S, 0,
1, 5), shown as two groups of five. Only an HMAC of the code is stored, so a
copy of the database cannot be used to sign in as a student.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ2346789"
LENGTH = 10
GROUP = 5

_ALLOWED = frozenset(ALPHABET)
# Characters a student may type between groups; they carry no meaning.
_SEPARATORS = str.maketrans("", "", " -\t\u2010\u2011\u2012\u2013\u2014")


class MalformedCode(ValueError):
    """What was typed cannot be an access code at all."""


def generate_code() -> str:
    """Return a new random code in its canonical form (no separators)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_code(code: str) -> str:
    """Return a canonical code as printed on a slip: ``KM7QX-2P9RT``."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def normalise_code(typed: str) -> str:
    """Return the canonical form of what a student typed.

    Case, spaces and hyphens are ignored. Raises MalformedCode, with a message
    a student can act on, when the result cannot be a code.
    """
    code = typed.translate(_SEPARATORS).upper()
    if not code:
        raise MalformedCode("empty")
    if len(code) != LENGTH:
        raise MalformedCode("length")
    if not set(code) <= _ALLOWED:
        raise MalformedCode("characters")
    return code


def hash_code(code: str, key: str) -> str:
    """Return the keyed hash under which a canonical code is stored."""
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()
