"""Envelope encryption of one file: a KMS data key and AES-256-GCM.

The object key is bound to the ciphertext twice: as the KMS encryption context
(so KMS refuses to unwrap the data key for any other object) and as the GCM
associated data (so the bytes cannot be moved to another key unnoticed).
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tasks.shared.aws import client, transient_faults
from tasks.shared.errors import IntegrityError

FORMAT = "tickvault.envelope.v1"
ALGORITHM = "AES-256-GCM"
CONTEXT_KEY = "tickvault:object-key"
MEDIA_TYPE = "application/vnd.tickvault.envelope+json"
FIELDS = frozenset({"format", "algorithm", "keyId", "context", "encryptedDataKey", "iv", "ciphertext"})
_NONCE_BYTES = 12


def encryption_context(object_key: str) -> dict[str, str]:
    return {CONTEXT_KEY: object_key}


def _associated_data(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def seal(plaintext: bytes, object_key: str, key_id: str) -> dict[str, Any]:
    """Encrypt `plaintext` for `object_key` under a fresh data key from `key_id`."""
    context = encryption_context(object_key)
    with transient_faults("kms:GenerateDataKey"):
        data_key = client("kms").generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=context)
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(data_key["Plaintext"]).encrypt(nonce, plaintext, _associated_data(context))
    return {
        "format": FORMAT,
        "algorithm": ALGORITHM,
        "keyId": data_key["KeyId"],
        "context": context,
        "encryptedDataKey": _b64(data_key["CiphertextBlob"]),
        "iv": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def to_bytes(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def from_bytes(body: bytes, object_key: str) -> dict[str, Any]:
    """Parse stored bytes; IntegrityError if they are not an envelope for `object_key`."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IntegrityError(f"object {object_key} is not a tickvault envelope") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise IntegrityError(f"object {object_key} is not a tickvault envelope")
    if set(envelope) != FIELDS or envelope.get("algorithm") != ALGORITHM:
        raise IntegrityError(f"object {object_key} has an altered envelope")
    if envelope.get("context") != encryption_context(object_key):
        raise IntegrityError(f"object {object_key} was sealed for another key")
    return envelope


def open_envelope(envelope: dict[str, Any], object_key: str) -> bytes:
    """Decrypt an envelope stored under `object_key`; IntegrityError if it was altered."""
    context = encryption_context(object_key)
    try:
        wrapped = base64.b64decode(envelope["encryptedDataKey"], validate=True)
        nonce = base64.b64decode(envelope["iv"], validate=True)
        ciphertext = base64.b64decode(envelope["ciphertext"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise IntegrityError(f"object {object_key} has a malformed envelope") from None
    try:
        with transient_faults("kms:Decrypt"):
            unwrapped = client("kms").decrypt(CiphertextBlob=wrapped, EncryptionContext=context)
    except ClientError as exc:
        raise IntegrityError(f"object {object_key}: KMS refused the data key") from exc
    # The key id is not inside the authenticated parts; check it names the key KMS actually used.
    if unwrapped["KeyId"] != envelope.get("keyId"):
        raise IntegrityError(f"object {object_key} names another key than the one that sealed it")
    data_key = unwrapped["Plaintext"]
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, _associated_data(context))
    except (InvalidTag, ValueError):
        raise IntegrityError(f"object {object_key} fails authentication") from None
