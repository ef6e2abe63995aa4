"""Changes to who may work in a clinic: staff invitations, roles, deactivation, devices.

Each action runs in one transaction, checks that the actor is an active clinic admin of the
clinic concerned, makes the change and writes its audit row together. A refusal the admin can
act on (already a member, last admin) raises ``StaffChangeRefused`` with a message for the page.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from holdspace.accounts.models import User
from holdspace.accounts.tokens import invitation_path
from holdspace.audit.models import Action
from holdspace.audit.trail import record
from holdspace.clinics.models import Chair, Clinic, Device, DeviceKind, Membership, Role

LAST_ADMIN_MESSAGE = (
    "You are the last active clinic admin here. Make someone else a clinic admin first, "
    "so the clinic is never left without one."
)


class StaffChangeRefused(Exception):
    """A change the admin asked for that would leave the clinic in a bad state."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    new_account: bool
    # Site-relative accept link, present while the person has not chosen a password yet.
    link_path: str | None
    # Whether the inviting admin may see the link on screen (see ``_may_see_link``).
    show_link: bool


def _require_admin(actor: Membership, clinic: Clinic) -> None:
    if not (actor.is_active and actor.role == Role.CLINIC_ADMIN and actor.clinic_id == clinic.pk):
        raise PermissionDenied("Only a clinic admin of this clinic can manage its staff.")


def _is_last_active_admin(membership: Membership) -> bool:
    if not (membership.is_active and membership.role == Role.CLINIC_ADMIN):
        return False
    # Locking the admin rows makes two admins demoting each other at once queue, not both win.
    admins = Membership.objects.select_for_update().filter(
        clinic_id=membership.clinic_id, role=Role.CLINIC_ADMIN, is_active=True
    )
    return not admins.exclude(pk=membership.pk).exists()


def _may_see_link(user: User, clinic: Clinic) -> bool:
    """An admin may hand over a set-password link only for someone who works nowhere else.

    Otherwise an admin of one clinic could set the first password of a person who also belongs
    to another clinic and sign in there as them. Such a person still gets the link by email.
    """
    return not user.memberships.exclude(clinic=clinic).exists()


def _invitation_for(membership: Membership, new_account: bool) -> Invitation:
    user = membership.user
    if user.has_usable_password():
        return Invitation(membership, new_account, None, show_link=False)
    link = invitation_path(user)
    return Invitation(membership, new_account, link, _may_see_link(user, membership.clinic))


def _existing_user(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def _refuse_if_member(user: User, clinic: Clinic) -> None:
    current = Membership.objects.filter(user=user, clinic=clinic).first()
    if current is None:
        return
    if current.is_active:
        raise StaffChangeRefused(f"{user.email} is already on this clinic's staff.")
    raise StaffChangeRefused(
        f"{user.email} is already on this clinic's staff list but deactivated. "
        "Open their page to reactivate them."
    )


def invite_staff(
    actor: Membership,
    *,
    email: str,
    full_name: str,
    credentials: str,
    role: str,
    request: HttpRequest | None = None,
) -> Invitation:
    """Add a person to the actor's clinic, creating their account if they have none yet.

    A new account has no usable password until its owner follows the invitation link.
    """
    clinic = actor.clinic
    try:
        with transaction.atomic():
            _require_admin(actor, clinic)
            user = _existing_user(email)
            new_account = user is None
            if user is None:
                user = User.objects.create_user(email, full_name=full_name, credentials=credentials)
            else:
                _refuse_if_member(user, clinic)
            membership = Membership.objects.create(user=user, clinic=clinic, role=role)
            how = "Invited" if new_account else "Added existing account"
            record(
                action=Action.CREATE,
                category="staff",
                request=request,
                actor=actor.user,
                clinic=clinic,
                obj=membership,
                summary=f"{how} as {role}",
            )
    except IntegrityError:
        # A second submission of the same form (or two admins at once) lost the race to the
        # first; nothing of it was saved.
        raise StaffChangeRefused(f"{email} was just added to this clinic's staff.") from None
    return _invitation_for(membership, new_account)


def reissue_invitation(
    actor: Membership, membership: Membership, request: HttpRequest | None = None
) -> Invitation:
    """A fresh link for someone who has not chosen a password yet (the old one may have expired)."""
    with transaction.atomic():
        _require_admin(actor, membership.clinic)
        if membership.user.has_usable_password():
            raise StaffChangeRefused("They have already chosen a password; no invitation needed.")
        if not membership.is_active:
            raise StaffChangeRefused("Reactivate them first; an invitation would lead nowhere.")
        record(
            action=Action.UPDATE,
            category="staff",
            request=request,
            actor=actor.user,
            clinic=membership.clinic,
            obj=membership,
            summary="Invitation link issued again",
        )
    return _invitation_for(membership, new_account=False)


def change_role(
    actor: Membership, membership: Membership, role: str, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        _require_admin(actor, membership.clinic)
        previous = membership.role
        if role == previous:
            return
        if role != Role.CLINIC_ADMIN and _is_last_active_admin(membership):
            raise StaffChangeRefused(LAST_ADMIN_MESSAGE)
        membership.role = role
        membership.save(update_fields=["role"])
        record(
            action=Action.PRIVILEGE_CHANGE,
            category="staff",
            request=request,
            actor=actor.user,
            clinic=membership.clinic,
            obj=membership,
            summary=f"Role {previous} → {role}",
        )


def deactivate_membership(
    actor: Membership, membership: Membership, request: HttpRequest | None = None
) -> None:
    """End the person's access to this clinic at once; their records keep them as author."""
    with transaction.atomic():
        _require_admin(actor, membership.clinic)
        if not membership.is_active:
            return
        if _is_last_active_admin(membership):
            raise StaffChangeRefused(LAST_ADMIN_MESSAGE)
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        record(
            action=Action.PRIVILEGE_CHANGE,
            category="staff",
            request=request,
            actor=actor.user,
            clinic=membership.clinic,
            obj=membership,
            summary=f"Deactivated ({membership.role})",
        )


def reactivate_membership(
    actor: Membership, membership: Membership, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        _require_admin(actor, membership.clinic)
        if membership.is_active:
            return
        membership.is_active = True
        membership.deactivated_at = None
        membership.save(update_fields=["is_active", "deactivated_at"])
        record(
            action=Action.PRIVILEGE_CHANGE,
            category="staff",
            request=request,
            actor=actor.user,
            clinic=membership.clinic,
            obj=membership,
            summary=f"Reactivated as {membership.role}",
        )


FEED_NEEDS_CHAIR = (
    "Choose the chair this monitor is at: a monitor feed writes vital signs for one chair only."
)
BOARD_HAS_NO_CHAIR = "A wall board shows every chair; it is not bound to one."
FOREIGN_CHAIR = "Choose one of this clinic's chairs in use."


def _check_device_chair(clinic: Clinic, kind: str, chair: Chair | None) -> None:
    """A feed device needs one active chair of its own clinic; a board has none."""
    if kind not in DeviceKind.values:
        raise ValidationError({"kind": "Choose a wall board or a monitor feed."})
    if kind == DeviceKind.BOARD:
        if chair is not None:
            raise ValidationError({"chair": BOARD_HAS_NO_CHAIR})
        return
    if chair is None:
        raise ValidationError({"chair": FEED_NEEDS_CHAIR})
    if chair.clinic_id != clinic.pk or not chair.is_active:
        raise ValidationError({"chair": FOREIGN_CHAIR})


def create_device(
    actor: Membership,
    name: str,
    kind: str = DeviceKind.BOARD,
    chair: Chair | None = None,
    request: HttpRequest | None = None,
) -> tuple[Device, str]:
    """A new device (a wall board, or a monitor feed bound to ``chair``) and its token, which
    is returned here and never stored. Refusals are ``ValidationError`` keyed by field."""
    with transaction.atomic():
        _require_admin(actor, actor.clinic)
        _check_device_chair(actor.clinic, kind, chair)
        device = Device(clinic=actor.clinic, name=name, kind=kind, chair=chair)
        token = device.issue_token()
        device.save()
        record(
            action=Action.CREATE,
            category="device",
            request=request,
            actor=actor.user,
            clinic=actor.clinic,
            obj=device,
            summary=f"{_device_label(device)} created",
        )
    return device, token


def create_board_device(
    actor: Membership, name: str, request: HttpRequest | None = None
) -> tuple[Device, str]:
    """A new wall-board device and its sign-in token, which is returned here and never stored."""
    return create_device(actor, name, DeviceKind.BOARD, None, request)


def _device_label(device: Device) -> str:
    return "Monitor feed device" if device.kind == DeviceKind.FEED else "Board device"


def deactivate_device(
    actor: Membership, device: Device, request: HttpRequest | None = None
) -> None:
    """Stop a device. A board's open session ends on its next request (the middleware checks);
    a monitor feed's token is refused (401) from its next request on."""
    with transaction.atomic():
        _require_admin(actor, device.clinic)
        if not device.is_active:
            return
        device.is_active = False
        device.save(update_fields=["is_active"])
        record(
            action=Action.PRIVILEGE_CHANGE,
            category="device",
            request=request,
            actor=actor.user,
            clinic=device.clinic,
            obj=device,
            summary=f"{_device_label(device)} deactivated",
        )
