"""Encryption at rest for psychotherapy notes (CLINICAL.md §7: "encrypted at rest").

The key comes from the environment (HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY, read in settings.py). A
wrong or missing key must fail loudly: a psychotherapy note that cannot be decrypted is an error
a person has to fix (restore the right key), never an empty page or a silently blank note.

Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) authenticates every token, so a
changed ciphertext or a different key is detected, not decrypted into garbage.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_VARIABLE = "HOLDSPACE_PSYCHOTHERAPY_NOTE_KEY"

# Outside production only (settings.py): an obviously fake key so the demo and the tests work
# without set-up. It protects nothing; production refuses to start without its own key.
DEMO_KEY = base64.urlsafe_b64encode(b"holdspace-DEMO-key-not-a-secret!").decode()


class NoteKeyError(RuntimeError):
    """The configured key cannot decrypt a stored note (wrong key, or the row was altered)."""


def key_problem(value: str) -> str | None:
    """Why ``value`` is not a usable Fernet key, or None when it is one."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return "is not URL-safe base64"
    if len(raw) != 32:
        return f"decodes to {len(raw)} bytes; a Fernet key is 32 bytes"
    return None


def check_configured_key() -> None:
    """Stop start-up with a message naming the variable when the configured key is unusable."""
    problem = key_problem(settings.PSYCHOTHERAPY_NOTE_KEY)
    if problem:
        raise ImproperlyConfigured(
            f"{KEY_VARIABLE} {problem}. Generate one with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )


def _fernet() -> Fernet:
    return Fernet(settings.PSYCHOTHERAPY_NOTE_KEY.encode("ascii"))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise NoteKeyError(
            f"A psychotherapy note could not be decrypted with the configured {KEY_VARIABLE}: "
            "the key is not the one the note was written with, or the stored note was altered. "
            "Restore the original key; nothing was shown or changed."
        ) from None
