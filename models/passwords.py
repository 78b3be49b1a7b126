"""Password hashing (argon2id) and the rules a new password must meet (ASVS V6.2)."""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from models.errors import N_, DomainError

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn scores 0-4 against 30,000 common passwords, names, words, dates and keyboard
# patterns; below 3 (about 10^10 guesses) a password falls to an offline attack on a leaked
# hash within days, even with argon2.
MIN_STRENGTH = 3

_hasher = PasswordHasher()
# Verifying against this when the account is unknown keeps both answers equally slow.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _personal_words(values: list[str]) -> list[str]:
    """Words a guesser would try first for this person: each part of the name and e-mail,
    without diacritics, and the e-mail's local part run together ("jan.novak" -> "jannovak")."""
    words: set[str] = set()
    for value in values:
        folded = unicodedata.normalize("NFKD", value.lower()).encode("ascii", "ignore").decode()
        parts = [p for p in re.split(r"[^a-z0-9]+", folded) if len(p) > 2]
        words.update(parts)
        local = folded.split("@", 1)[0]
        words.add(re.sub(r"[^a-z0-9]+", "", local))
        words.add("".join(parts))
    return sorted(w for w in words if len(w) > 2)


def validate_new_password(password: str, user_inputs: list[str] | None = None) -> None:
    """Raises DomainError on field `password` for a password that is too short, too long, or
    common/guessable. No composition rules: any characters, spaces included, are fine."""
    if len(password) < MIN_LENGTH:
        raise DomainError(N_("Use at least %(min)s characters."), "password", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise DomainError(N_("Use at most %(max)s characters."), "password", max=MAX_LENGTH)
    if (
        zxcvbn(password[:100], user_inputs=_personal_words(user_inputs or []))["score"]
        < MIN_STRENGTH
    ):
        raise DomainError(
            N_("This password is too common or too easy to guess. Try a few unrelated words."),
            "password",
        )
