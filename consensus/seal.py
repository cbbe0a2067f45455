"""The key that seals closed decisions (settings.ISECG_SIGNING_KEY), and signing with it.

Ed25519 through the `cryptography` package. No database access: the message to sign
comes from consensus.record.seal_message.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from consensus import record


@lru_cache(maxsize=4)
def _private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("ISECG_SIGNING_KEY is not an Ed25519 private key.")
    return key


def private_key() -> Ed25519PrivateKey:
    pem = getattr(settings, "ISECG_SIGNING_KEY", "")
    if not pem:
        raise ImproperlyConfigured("ISECG_SIGNING_KEY is not set.")
    return _private_key(pem)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


@dataclass(frozen=True)
class PublicKeyInfo:
    algorithm: str
    key_id: str
    pem: str
    raw_base64: str


def public_key_info() -> PublicKeyInfo:
    key = public_key()
    return PublicKeyInfo(
        algorithm=record.SIGNATURE_ALGORITHM,
        key_id=record.key_id(key),
        pem=record.public_key_pem(key),
        raw_base64=base64.b64encode(record.public_key_raw(key)).decode("ascii"),
    )


def sign(message: str) -> tuple[str, str]:
    """(signature in base64, key id) of a seal's message."""
    key = private_key()
    signature = base64.b64encode(key.sign(message.encode("utf-8"))).decode("ascii")
    return signature, record.key_id(key.public_key())
