"""What the faces may show of a failure: known ones in words, never a secret."""

from __future__ import annotations

from connectors.errors import AuthFailed
from reconcile.errors import KNOWN, NotFound, shown
from reconcile.vault import VaultError


def test_vendor_user_and_key_failures_are_all_known_to_the_faces():
    for error in (AuthFailed("x"), NotFound("x"), VaultError("x")):
        assert isinstance(error, KNOWN)
    assert not isinstance(RuntimeError("bug"), KNOWN)


def test_a_shown_message_masks_the_given_secrets_and_credential_shapes():
    error = AuthFailed("NinjaOne: POST /ws/oauth/token answered 401 (client_secret=abcd1234 rejected for key s3cr3t-value)")
    text = shown(error, ("s3cr3t-value",))
    assert "abcd1234" not in text and "s3cr3t-value" not in text and "answered 401" in text
