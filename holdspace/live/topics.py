"""Which topics exist and who may listen to them.

A topic is ``name`` (``board``, ``clinic``) or ``name:suffix`` (``session:<uuid>``). Each name is
registered once with an authorizer ``func(request, suffix) -> bool`` that answers for
``request.clinic``; a feature registers its own in its ``AppConfig.ready``::

    def session_topic(request, suffix):
        session_id = topic_uuid(suffix)
        return session_id is not None and InfusionSession.objects.filter(
            public_id=session_id, clinic=request.clinic
        ).exists()

    register_topic_authorizer("session:", session_topic)

An unknown topic, a refused one or another clinic's object all look the same to the client: the
whole request is 404, so a stream never reveals whether something exists elsewhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest, ImproperlyConfigured
from django.http import Http404, HttpRequest

Authorizer = Callable[[HttpRequest, str], bool]

MAX_TOPIC_LENGTH = 80
# One stream per tab covers everything the tab shows; more than this is a bug or a probe.
MAX_TOPICS_PER_REQUEST = 50
# A wall-board device sees the board and nothing else (minimum necessary).
DEVICE_TOPICS = frozenset({"board"})

_authorizers: dict[str, Authorizer] = {}


def register_topic_authorizer(prefix: str, func: Authorizer) -> None:
    """Declare a topic name: ``"board"`` (no suffix) or ``"session:"`` (a suffix follows)."""
    bare = prefix.rstrip(":")
    if not bare or ":" in bare or not bare.replace("_", "").isalnum():
        raise ImproperlyConfigured(f"Topic prefix {prefix!r} must be a word, optionally + ':'.")
    if _authorizers.get(prefix, func) is not func:
        raise ImproperlyConfigured(f"Topic prefix {prefix!r} is already registered.")
    _authorizers[prefix] = func


def split_topic(topic: str) -> tuple[str, str]:
    """``"session:abc"`` → ``("session:", "abc")``; ``"board"`` → ``("board", "")``."""
    name, colon, suffix = topic.partition(":")
    return name + colon, suffix


def is_registered(topic: str) -> bool:
    prefix, suffix = split_topic(topic)
    well_formed = bool(suffix) == prefix.endswith(":") and len(topic) <= MAX_TOPIC_LENGTH
    return well_formed and prefix in _authorizers and topic.isprintable() and " " not in topic


def topic_uuid(suffix: str) -> uuid.UUID | None:
    """The UUID in a topic suffix, or None: a helper for authorizers of ``name:<uuid>`` topics."""
    try:
        return uuid.UUID(suffix)
    except ValueError:
        return None


def authorize_topics(request: HttpRequest, requested: Iterable[str]) -> tuple[str, ...]:
    """The requested topics, each checked for ``request``; 404 if any is not allowed."""
    topics = tuple(dict.fromkeys(requested))
    if not topics:
        raise BadRequest("Name at least one topic.")
    if len(topics) > MAX_TOPICS_PER_REQUEST:
        raise BadRequest(f"At most {MAX_TOPICS_PER_REQUEST} topics per request.")
    for topic in topics:
        if not _allowed(request, topic):
            raise Http404("No such topic.")
    return topics


def _allowed(request: HttpRequest, topic: str) -> bool:
    if not is_registered(topic):
        return False
    if getattr(request, "device", None) is not None and topic not in DEVICE_TOPICS:
        return False
    prefix, suffix = split_topic(topic)
    return bool(_authorizers[prefix](request, suffix))


# --- The topics this app ships ---------------------------------------------------------------


def _is_staff(request: HttpRequest) -> bool:
    return getattr(request, "membership", None) is not None


def _board(request: HttpRequest, suffix: str) -> bool:
    # Any staff member of the clinic, or the clinic's wall board.
    return _is_staff(request) or getattr(request, "device", None) is not None


def _clinic(request: HttpRequest, suffix: str) -> bool:
    # Clinic-wide notices for the people who work there; never for a device.
    return _is_staff(request)


def register_builtin_topics() -> None:
    register_topic_authorizer("board", _board)
    register_topic_authorizer("clinic", _clinic)
