"""`reflex run --env prod --backend-only` for an app whose rxconfig sets frontend_port.

The portal's rxconfig.py sets frontend_port (= backend_port = PORT, for its
single-port production mode), and `reflex run --backend-only` then refuses to
start ("Cannot specify --frontend-port when not running frontend"). This
launcher clears frontend_port on the loaded config and then runs Reflex's own
CLI unchanged:

    cd <app dir> && python bench/serve_backend.py PORT [HOST]
        == reflex run --env prod --backend-only --backend-port PORT --backend-host HOST

Nothing else differs: Reflex's production backend (granian, GRANIAN_WORKERS
workers, the app's state manager) serves the app without a frontend build.
"""

import sys


def main() -> None:
    port = sys.argv[1]
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    sys.path.insert(0, ".")
    from reflex_base.config import get_config

    config = get_config()
    if getattr(config, "frontend_port", None):
        object.__setattr__(config, "frontend_port", None)

    import reflex.reflex as reflex_cli

    reflex_cli.cli.main(
        args=["run", "--env", "prod", "--backend-only", "--backend-port", port, "--backend-host", host],
        prog_name="reflex",
    )


if __name__ == "__main__":
    main()
