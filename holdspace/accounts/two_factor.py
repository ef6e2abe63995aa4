"""TOTP enrolment and verification on top of django-otp."""

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from holdspace.accounts.models import User


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled, created once so a page reload keeps the same key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def enrolment_qr_svg(device: TOTPDevice) -> str:
    # Rendered as inline SVG markup so no image request or data: URL leaves the page.
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000")


def base32_secret(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")
