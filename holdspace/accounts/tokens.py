"""Invitation links: a new staff member follows one to choose their first password.

The token is Django's password-reset token with its own salt, so a reset token can never be used
as an invitation and the other way round. It covers the password hash, which means it works once:
as soon as a password is set, every earlier link for that person stops working. It expires after
``PASSWORD_RESET_TIMEOUT`` (three days by default); an admin can issue a fresh one.

The link names the person by public id, never by the sequential primary key.
"""

import uuid

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from holdspace.accounts.models import User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "holdspace.accounts.tokens.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


def invitation_path(user: User) -> str:
    """The site-relative accept link for ``user``; build an absolute URL from the request."""
    uidb64 = urlsafe_base64_encode(force_bytes(str(user.public_id)))
    token = invitation_tokens.make_token(user)
    return reverse("accounts:accept_invite", kwargs={"uidb64": uidb64, "token": token})


def invited_user(uidb64: str, token: str) -> User | None:
    """The active person this link was made for, or None if it is unknown, used or expired."""
    try:
        public_id = uuid.UUID(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = User.objects.filter(public_id=public_id, is_active=True).first()
    if user is None or not invitation_tokens.check_token(user, token):
        return None
    return user
