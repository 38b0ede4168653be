"""``brushwork studio``: serve the studio page on this machine (see ``brushwork.studio``)."""

from __future__ import annotations

import argparse
import errno
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

from ..errors import BrushworkError
from .common import add_run_options, run_device

DEFAULT_PORT = 8765


def register(commands: Any) -> None:
    from ..studio.folders import default_data_dir

    p = commands.add_parser("studio", help="paint in the browser: a local page with a queue and a gallery")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"where the queue, uploads and results live (default: {default_data_dir()})",
    )
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.add_argument(
        "--token",
        help="the token a browser must present (default: none on 127.0.0.1; a random one on any other address)",
    )
    add_run_options(
        p,
        output=None,
        overwrite=None,
        threads="CPU threads for the painting (default: all cores)",
        quiet=None,
        device="where the worker paints",
    )
    p.set_defaults(run=run)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "it is in use (another studio?); give --port" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise BrushworkError(f"cannot listen on {host}:{port}: {why}") from None
    sock.listen(128)
    return sock


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..studio.app import StudioConfig, create_app
        from ..studio.folders import default_data_dir
        from ..studio.security import is_loopback
    except ImportError as exc:
        raise BrushworkError(
            f"the studio needs its extra ({exc.name} is missing): bash scripts/install --studio"
        ) from None
    if not 0 <= args.port <= 65535:
        raise BrushworkError(f"--port must be between 0 and 65535, not {args.port}")
    token = args.token
    if token is None and not is_loopback(args.host):
        token = secrets.token_urlsafe(24)
    device = run_device(args)  # one line now, rather than a worker that cannot start
    data_dir = args.data_dir or default_data_dir()
    sock = listen(args.host, args.port)
    port = sock.getsockname()[1]
    try:
        app = create_app(StudioConfig(data_dir, args.host, port, token, args.threads, str(device)))
    except OSError as exc:
        why = f"{exc.strerror or exc}; give another with --data-dir"
        raise BrushworkError(f"{data_dir}: cannot use it as the studio's folder ({why})") from None
    shown = "localhost" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/" + (f"?token={token}" if token else "")
    print(f"brushwork studio: {url}  (data in {data_dir}; Ctrl-C stops)", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    print("brushwork studio: stopped", file=sys.stderr)
    return 0
