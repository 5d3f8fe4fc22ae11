"""Password hashing, one-time codes and signed links for staff accounts."""

from __future__ import annotations

import time

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# argon2id is memory-hard: guessing passwords from a stolen database costs
# memory as well as time. The library's defaults follow RFC 9106.
_hasher = PasswordHasher()

#: Shortest password accepted; long passphrases are encouraged, not forced.
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Return the stored form of a password."""
    return _hasher.hash(password)


def password_matches(stored: str, password: str) -> bool:
    """Return whether ``password`` is the one behind ``stored``."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# A dummy hash, verified when an email is unknown, so that the response time
# does not reveal which email addresses have accounts.
_DUMMY_HASH = _hasher.hash("not a real password")


def spend_time_like_a_password_check(password: str) -> None:
    """Take as long as a real password check, for unknown accounts."""
    password_matches(_DUMMY_HASH, password)


# Second factor --------------------------------------------------------------


def new_totp_secret() -> str:
    """Return a fresh secret for an authenticator app."""
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    """Return the otpauth:// address an authenticator app can import."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="survey_app")


def totp_step_accepted(
    secret: str, code: str, last_step: int | None, now: float | None = None
) -> int | None:
    """Return the time step of a valid, unused code, or None.

    One step either side is accepted for clock drift; a step already used is
    refused, so an overheard code cannot be replayed.
    """
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    current = int(moment // totp.interval)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if totp.at(step * totp.interval) == code:
            return step
    return None


# Signed links -----------------------------------------------------------------


class LinkExpired(Exception):
    """The link was genuine but is too old."""


class LinkInvalid(Exception):
    """The link was not made by this app, or was altered."""


class SignedLink:
    """Signs one kind of link; its purpose is the salt, with its own lifetime."""

    def __init__(self, purpose: str, lifetime_seconds: int) -> None:
        self.purpose = purpose
        self.lifetime = lifetime_seconds

    def make(self, secret_key: str, value: int) -> str:
        """Return a token that carries ``value`` for this purpose."""
        return URLSafeTimedSerializer(secret_key, salt=self.purpose).dumps(value)

    def read(self, secret_key: str, token: str) -> int:
        """Return the value in ``token``, or raise LinkExpired or LinkInvalid."""
        serializer = URLSafeTimedSerializer(secret_key, salt=self.purpose)
        try:
            value = serializer.loads(token, max_age=self.lifetime)
        except SignatureExpired as exc:
            raise LinkExpired() from exc
        except BadSignature as exc:
            raise LinkInvalid() from exc
        if not isinstance(value, int):
            raise LinkInvalid()
        return value


#: Invitation links work for a week, then a new invitation is needed.
INVITATION_LINK = SignedLink("staff-invitation", lifetime_seconds=7 * 24 * 3600)
