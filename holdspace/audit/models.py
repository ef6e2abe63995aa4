from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    CREATE = "create", "Create"
    READ = "read", "Read"
    UPDATE = "update", "Update"
    SIGN = "sign", "Sign"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
    EXPORT = "export", "Export"
    PRINT = "print", "Print"
    LOGIN = "login", "Log in"
    LOGIN_FAILED = "login_failed", "Failed log in"
    LOGOUT = "logout", "Log out"
    LOCKOUT = "lockout", "Lockout"
    BREAK_GLASS = "break_glass", "Break glass"
    PRIVILEGE_CHANGE = "privilege_change", "Privilege change"
    PASSWORD_CHANGE = "password_change", "Password change"
    TWO_FACTOR = "two_factor", "Two-factor"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    DENIED = "denied", "Denied"


class AuditEvent(models.Model):
    """One row of the audit trail (ASTM E2147 / ONC 170.315(d)(2) shape).

    Append-only: database triggers refuse UPDATE and DELETE, and each row carries a hash of its
    content chained to the previous row so that changes made behind the application's back are
    found by ``holdspace verify-audit``. Rows name objects by public id and never copy clinical
    content, so the trail itself holds no more PHI than "who looked at whose chart when".
    """

    at = models.DateTimeField(db_index=True)
    clinic = models.ForeignKey("clinics.Clinic", null=True, on_delete=models.PROTECT)
    patient = models.ForeignKey("patients.Patient", null=True, on_delete=models.PROTECT)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    # Copied at the time of the event: a later role change must not rewrite history.
    actor_label = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    category = models.CharField(max_length=60, help_text="Data category, e.g. patient, consent.")
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    source_ip = models.GenericIPAddressField(null=True)
    source_device = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    own_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["clinic", "at"]), models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.category}"

    def chain_content(self) -> dict[str, object]:
        """The fields the hash covers; the row id is included so re-ordering is detected."""
        return {
            "id": self.pk,
            "at": self.at.isoformat(),
            "clinic": self.clinic_id,
            "patient": self.patient_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "actor_role": self.actor_role,
            "action": self.action,
            "category": self.category,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "outcome": self.outcome,
            "source_ip": self.source_ip,
            "source_device": self.source_device,
            "request_id": self.request_id,
            "summary": self.summary,
        }
