"""Personal API tokens (issue 16): what one looks like and the hash it is stored by.

A token is "sca_" and 43 characters of secrets.token_urlsafe(32) (256 random bits): the prefix
tells a leaked one apart in a log or a secret scanner's report. Only its SHA-256 hash is
stored (ApiToken.key_hash); a slow password hash would add nothing to 256 random bits and
would cost every API request its time.
"""

import hashlib
import secrets

PREFIX = "sca_"
# What the account page and the admin show of a token (ApiToken.prefix holds 12 characters).
SHOWN_LENGTH = 12


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
