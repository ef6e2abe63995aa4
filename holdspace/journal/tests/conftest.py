"""The portal fixtures (a portal link, a signed-in patient) shared with the portal's tests."""

from holdspace.portal.tests.test_portal_session import (  # noqa: F401 - fixtures
    patient_client,
    portal_link,
)
