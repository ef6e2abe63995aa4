from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve holdspace over HTTP with uvicorn (ASGI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        uvicorn.run(
            "holdspace.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            # Open event streams must not hold a restart hostage.
            timeout_graceful_shutdown=5,
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            log_level="info",
        )
