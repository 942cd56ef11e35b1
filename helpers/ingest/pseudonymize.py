"""Salted hashing of source identifiers.

A pseudonym is ``sha256(salt + "\\x1f" + key_type + "\\x1f" + value)`` as hex, truncated to
:data:`HASH_CHARS` characters. The key type is part of the hashed string, so the same digits used
as a phone and as a Zendesk user id give different pseudonyms, while a phone normalized to the same
11 digits gives the same pseudonym whichever system it came from (that is what stitching joins on).

The salt comes from the ``salt`` argument, else the environment variable ``KIT_SALT``, else
:data:`SAMPLE_SALT` (``"sample-salt-not-secret"``), which is meant for the synthetic sample only:
set ``KIT_SALT`` to a secret before ingesting real exports.
"""
from __future__ import annotations

import hashlib
import os

import pandas as pd

SAMPLE_SALT = "sample-salt-not-secret"
SALT_ENV = "KIT_SALT"
HASH_CHARS = 16  # 64 bits: collisions are negligible for millions of keys


def get_salt(salt: str | None = None) -> str:
    """The salt to use: ``salt`` if given, else ``$KIT_SALT``, else the sample's default."""
    if salt is not None:
        return str(salt)
    return os.environ.get(SALT_ENV) or SAMPLE_SALT


def pseudonym(value: str, key_type: str, salt: str) -> str:
    """Pseudonym of one identifier ``value`` of type ``key_type`` (e.g. ``"phone"``)."""
    data = f"{salt}\x1f{key_type}\x1f{value}".encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def pseudonymize(values, key_type: str, salt: str | None = None) -> pd.Series:
    """Pseudonymize a column of identifiers; nulls stay null.

    Takes any sequence or Series of identifiers (numbers are hashed as their decimal text);
    returns a string Series aligned with it. Each distinct value is hashed once.
    """
    salt = get_salt(salt)
    s = pd.Series(values, dtype="object") if not isinstance(values, pd.Series) else values
    s = s.astype("string")
    uniques = s.dropna().unique()
    mapping = {v: pseudonym(v, key_type, salt) for v in uniques}
    return s.map(mapping).astype("string")


def member_id_of(key: str) -> str:
    """The member id of a stitched component whose smallest pseudonymized key is ``key``."""
    return "m_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
