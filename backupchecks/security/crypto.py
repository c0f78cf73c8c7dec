"""Encryption of stored credentials (Fernet: AES-128-CBC + HMAC, from cryptography)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class SecretDecryptError(Exception):
    """A stored secret cannot be read with the configured key."""


def _fernet(key: str | None = None) -> Fernet:
    return Fernet((key or current_app.config["ENCRYPTION_KEY"]).encode())


def encrypt(plain: str, key: str | None = None) -> str:
    return _fernet(key).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str, key: str | None = None) -> str:
    try:
        return _fernet(key).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        # Never echo the token: it is ciphertext of a credential.
        raise SecretDecryptError(
            "cannot be decrypted with BACKUPCHECKS_ENCRYPTION_KEY "
            "(was the key changed without `backupchecks settings rotate-key`?)"
        ) from None


class Secret:
    """A credential in memory that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__
