"""Small helpers shared by the patient record tests (fixtures live in conftest.py)."""

import zoneinfo
from datetime import date

from django.urls import reverse
from django.utils import timezone

from holdspace.patients.vocabulary import SCREENING_KEYS

HTMX = {"HX-Request": "true"}


def url(name: str, **kwargs: object) -> str:
    return reverse(f"patients:{name}", kwargs=kwargs)


def clinic_today(clinic) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(clinic.time_zone))


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def answers(*present: str) -> dict[str, dict[str, object]]:
    """A complete checklist with ``present`` items answered yes."""
    return {key: {"present": key in present, "note": ""} for key in SCREENING_KEYS}


def screening_post(outcome: str = "eligible", present=(), conditions: str = "", **extra):
    data = {f"item_{key}": ("yes" if key in present else "no") for key in SCREENING_KEYS}
    data.update(outcome=outcome, conditions=conditions, **extra)
    return data


def registration(**overrides: object) -> dict[str, object]:
    """A valid registration form for a synthetic adult patient."""
    data = {
        "mrn": "A-2002",
        "legal_given_name": "Jordan",
        "legal_family_name": "Okoye",
        "preferred_name": "",
        "pronouns": "they/them",
        "date_of_birth": "1979-06-03",
        "sex_at_birth": "male",
        "email": "jordan@example.test",
        "phone": "+1 555 010 0199",
        "address": "",
        "emergency_contact_name": "Sam Okoye",
        "emergency_contact_phone": "555 010 0111",
        "emergency_contact_relationship": "sibling",
        "usual_escort_name": "",
        "usual_escort_phone": "",
    }
    data.update(overrides)
    return data


def demographics_of(patient, **overrides: object) -> dict[str, object]:
    """The edit form as the browser would post it for ``patient`` unchanged."""
    data = {
        name: getattr(patient, name) for name in registration() if name not in ("date_of_birth",)
    }
    data["date_of_birth"] = patient.date_of_birth.isoformat()
    data["version"] = patient.version
    data.update(overrides)
    return data
