"""The ``serve`` command: the web concordancer over the corpus, read-only."""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING

import click

from crawler.commands.common import open_corpus, query_userdict_option

if TYPE_CHECKING:
    from storage import Corpus


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--public",
    is_flag=True,
    help="Allow a --host other than loopback: anyone who can reach it can read the corpus.",
)
@query_userdict_option
@click.pass_obj
def serve(db: str, host: str, port: int, public: bool) -> None:
    """Serve search, KWIC, frequencies and an overview of the corpus in the browser.

    The corpus is opened read-only. Pages: / (search), /doc/ID, /kwic, /freq, /overview;
    JSON under /api/.

    \b
    Example:
        yuliao serve --port 8000
    """
    from crawler.web import db_label, readonly_url

    if not is_loopback(host):
        if not public:
            raise click.UsageError(f"--host {host} is not a loopback address: add --public")
        click.echo(f"Warning: serving the corpus to the network on {host}", err=True)
    with open_corpus(db):
        pass  # a missing or foreign corpus fails here, in one line
    name = db_label(db)
    sock = listen(host, port)
    with sock, open_corpus(readonly_url(db)) as corpus:
        click.echo(f"serving {name} read-only on {address(sock)}", err=True)
        run(corpus, name, sock)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, so a taken port fails in one line, before start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: only then does asyncio turn Nagle off (TCP_NODELAY) on the
    # connections, without which every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def run(corpus: Corpus, name: str, sock: socket.socket) -> None:
    """Serve the app over ``corpus`` on ``sock`` until Ctrl-C."""
    import uvicorn

    from crawler.logs import log_to_terminal
    from crawler.web import create_app

    log_to_terminal("WARNING")
    app = create_app(corpus, name=name)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
    if not server.started:
        raise click.ClickException("the server did not start (see the log above)")


def address(sock: socket.socket) -> str:
    """The base URL a listening socket serves."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
