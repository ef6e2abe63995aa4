"""Putting instrument files into the database: idempotent, versioned, nothing overwritten.

Used by `holdspace instruments load|import` and by migration 0002 (which passes its historical
models, so only fields that exist in that migration's state may be used here: key, short_name,
title, respondent, licence_*, origin on Instrument; revision, version, content, sha256,
loaded_at, is_current on InstrumentVersion).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Model

from holdspace.measures.instruments import (
    SHIPPED_IDS,
    InstrumentError,
    check_instrument,
    content_sha256,
    shipped_path,
)

CREATED = "created"
NEW_VERSION = "new version"
UNCHANGED = "unchanged"
RESTORED = "earlier version made current again"


@dataclass(frozen=True)
class StoreOutcome:
    key: str
    action: str
    revision: int
    version: str
    warnings: tuple[str, ...] = ()


def _models(instrument_model: Any, version_model: Any) -> tuple[Any, Any]:
    if instrument_model is None or version_model is None:
        from holdspace.measures.models import Instrument, InstrumentVersion

        return Instrument, InstrumentVersion
    return instrument_model, version_model


def _descriptive_fields(parsed: Any, origin: str) -> dict[str, Any]:
    return {
        "short_name": parsed.short_name,
        "title": parsed.title,
        "respondent": parsed.respondent,
        "licence_name": parsed.licence.name,
        "licence_ships_text": parsed.licence.ship_text,
        "licence_source": parsed.licence.source,
        "origin": origin,
    }


def _update_description(row: Model, fields: dict[str, Any]) -> None:
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    if changed:
        for name in changed:
            setattr(row, name, fields[name])
        row.save(update_fields=changed)


def store_instrument(
    data: Mapping[str, Any],
    origin: str,
    instrument_model: Any = None,
    version_model: Any = None,
) -> StoreOutcome:
    """Store one instrument file. Raises InstrumentError listing every problem if it is invalid,
    or if it would replace an instrument of the other origin (a clinic file cannot take over a
    shipped id, and the reverse)."""
    instrument_cls, version_cls = _models(instrument_model, version_model)
    parsed, errors, warnings = check_instrument(data)
    if parsed is None:
        raise InstrumentError(errors)
    sha256 = content_sha256(data)
    fields = _descriptive_fields(parsed, origin)
    with transaction.atomic():
        row = instrument_cls.objects.select_for_update().filter(key=parsed.id).first()
        if row is None:
            row = instrument_cls.objects.create(key=parsed.id, **fields)
        elif row.origin != origin:
            raise InstrumentError(
                [
                    f"'{parsed.id}' is already a {row.origin} instrument; give this file "
                    f"another id (for example '{parsed.id}_clinic')"
                ]
            )
        else:
            _update_description(row, fields)
        action, revision = _store_version(row, version_cls, data, parsed.version, sha256)
        if action == NEW_VERSION and (
            version_cls.objects.filter(instrument=row, version=parsed.version)
            .exclude(revision=revision)
            .exists()
        ):
            warnings.append(
                f"warning: the content changed but the Questionnaire version "
                f"'{parsed.version}' did not; stored as revision {revision} — raise the version "
                "in the file so reports can tell the two apart"
            )
    return StoreOutcome(parsed.id, action, revision, parsed.version, tuple(warnings))


def _store_version(
    row: Any, version_cls: Any, data: Mapping[str, Any], version: str, sha256: str
) -> tuple[str, int]:
    versions = version_cls.objects.filter(instrument=row)
    same = versions.filter(sha256=sha256).first()
    if same is not None and same.is_current:
        return UNCHANGED, same.revision
    # The partial unique index allows one current version, so demote before promoting.
    versions.filter(is_current=True).update(is_current=False)
    if same is not None:
        versions.filter(pk=same.pk).update(is_current=True)
        return RESTORED, same.revision
    revision = (versions.aggregate(top=Max("revision"))["top"] or 0) + 1
    is_first = revision == 1
    version_cls.objects.create(
        instrument=row,
        revision=revision,
        version=version,
        content=dict(data),
        sha256=sha256,
        is_current=True,
    )
    return (CREATED if is_first else NEW_VERSION), revision


def load_shipped(instrument_model: Any = None, version_model: Any = None) -> list[StoreOutcome]:
    """Load every instrument file shipped with holdspace; running it again changes nothing."""
    outcomes = []
    for key in SHIPPED_IDS:
        data = json.loads(shipped_path(key).read_text(encoding="utf-8"))
        outcomes.append(store_instrument(data, "shipped", instrument_model, version_model))
    return outcomes
