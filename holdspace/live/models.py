from django.db import models
from django.utils import timezone

from holdspace.clinics.models import Clinic


class LiveEvent(models.Model):
    """One thing that happened, for screens to show now; its id is the server-sent event id.

    Written by ``holdspace.live.events.publish`` in the action's transaction, so an event exists
    exactly when the change it announces does. It carries references and the minimum a screen
    needs (ids, a status, a number), never a record: the record stays where it is audited.
    Events are transient and pruned (``holdspace live-prune``); nothing clinical lives here.
    """

    id = models.BigAutoField(primary_key=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    # What the event is about, e.g. "board", "session:<uuid>", "patient:<uuid>".
    topic = models.CharField(max_length=80)
    # What happened, e.g. "vitals.recorded"; it becomes the SSE "event:" field.
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Replay and polling read "this clinic's topics after id N" and nothing else.
        indexes = [models.Index(fields=["clinic", "topic", "id"], name="live_clinic_topic_id")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.topic} (#{self.id})"
