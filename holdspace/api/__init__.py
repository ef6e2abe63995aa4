"""The JSON API under ``/api/v1/`` (django-ninja, OpenAPI at ``/api/v1/docs``).

Today it serves one kind of caller: the middleware beside a chair's patient monitor (a *monitor
feed* device), which posts that chair's vital signs. ``api`` holds the NinjaAPI and its error
shapes, ``auth`` the bearer-token check, ``schemas`` what goes in and out, ``feed`` what a post
does (through ``infusions.actions.record_vitals``), ``routers`` the endpoints and ``docs`` the
OpenAPI page served from our own origin.
"""
