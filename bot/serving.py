"""Running the app: HTTP under gunicorn (threads), or Socket Mode for a workspace with no public URL.

HTTP is the production path (OAuth distribution and the Marketplace require it): gunicorn with
`gthread` workers, each worker building its own services and app after the fork. The master
prepares once before forking (migrations, the embedded key file), so workers never race to
create either. Socket Mode (`SLACK_APP_TOKEN`) opens a websocket to Slack instead and needs no
signing secret and no inbound port.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from gunicorn.app.base import BaseApplication

from bot import wsgi
from bot.settings import Settings
from bot.slackclient import make_web_client
from reconcile import bootstrap


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn run from code with our options and our WSGI factory."""

    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self.factory, self.options = factory, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def prepare(settings: Settings) -> None:
    """Migrate and make the embedded key once, in the parent process."""
    bootstrap.build(settings.config()).close()


def http(settings: Settings, *, host: str, port: int, workers: int, threads: int,
         with_scheduler: bool = False) -> None:
    prepare(settings)
    _Gunicorn(lambda: wsgi.create(settings, with_scheduler=with_scheduler), {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 30,
        "accesslog": "-",
        "proc_name": "billrec",
    }).run()


def socket_mode(settings: Settings, *, with_scheduler: bool = False) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app

    wsgi.latency_first()
    services = bootstrap.build(settings.config())
    if with_scheduler:
        from bot.schedule import service

        service.in_process(settings, services)
    app = create_app(services, settings, socket_mode=True)
    SocketModeHandler(app, settings.slack_app_token.get_secret_value(), web_client=make_web_client(settings)).start()


class LocalServer:
    """The WSGI app on a loopback port in a background thread (the demo, tests, benchmarks).

        with LocalServer(wsgi.handler(app, signing_secret)) as server:
            driver = SlackDriver(server.events_url, signing_secret)

    Threaded like gthread, with a listen backlog large enough for a burst of commands.
    """

    def __init__(self, application: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        from socketserver import ThreadingMixIn
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

        class Server(ThreadingMixIn, WSGIServer):
            daemon_threads = True
            request_queue_size = 128  # socketserver's 5 resets a burst of concurrent connections

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = make_server(host, port, application, server_class=Server, handler_class=Quiet)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self.events_url = f"{self.url}{wsgi.EVENTS_PATH}"

    def __enter__(self) -> Self:
        import threading

        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="billrec-local",
                         daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
