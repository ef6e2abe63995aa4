from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict[str, object]:
    """The clinic being worked in and the person's role there, for the page header."""
    membership = getattr(request, "membership", None)
    return {
        "current_clinic": getattr(request, "clinic", None),
        "current_membership": membership,
        "current_role": membership.role if membership else None,
        "theme": request.COOKIES.get("holdspace_theme", "auto"),
    }
