"""The seal on stored pipelines: HMAC-SM3 (the key ring's index key, core.crypto) of the blob's SHA-256.

A pipeline is stored as a pickle, and unpickling runs code: the loader unpickles only bytes Linli sealed, so
someone who can write the database but has not the key ring cannot plant a model."""

import hashlib

from linli.core.crypto import key_service

CONTEXT = b"dispatch.model"


def seal_of(blob: bytes) -> str:
    return key_service().blind_index(hashlib.sha256(blob).digest(), context=CONTEXT)


def is_sealed(blob: bytes, seal: str) -> bool:
    """Under the active key or an older one still in the ring (rotation)."""
    return seal in key_service().blind_indexes(hashlib.sha256(blob).digest(), context=CONTEXT)
