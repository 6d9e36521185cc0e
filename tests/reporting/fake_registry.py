"""A stand-in for the registries' web services, for the tests: no registry can be reached
from here, so the clients in reporting.registries.transport are tested against this.

It listens on 127.0.0.1 on a random free port, in a thread, and speaks the request and
response shapes documented in reporting/registries/transport.py:

- POST /pars/learner-reports  {"learner_reports": [...]}  →  {"results": [{"record_id",
  "status", "reason"}]}
- POST /cpe-monitor/records   {"records": [...]}          →  {"results": [{"epid", "uan",
  "completed_on", "status", "reason"}]}

Every record is accepted unless `reject` names it (PARS by record_id, CPE Monitor by
ePID) with the reason to give. A request without the right API key gets 401. `mode`
makes it misbehave: "error" answers 503, "slow" answers after `slow_seconds` (longer than
the client's timeout). `address_when_down()` gives an address where nothing listens.
Every request received is kept in `requests` (path, headers, decoded body).
"""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "test-registry-key"
PARS_PATH = "/pars/learner-reports"
CPE_MONITOR_PATH = "/cpe-monitor/records"


class FakeRegistry:
    def __init__(self):
        self.reject: dict[str, str] = {}
        self.mode = "normal"
        self.slow_seconds = 2.0
        self.requests: list[tuple[str, dict, dict]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def pars_url(self) -> str:
        return self.base_url + PARS_PATH

    @property
    def cpe_monitor_url(self) -> str:
        return self.base_url + CPE_MONITOR_PATH

    def __enter__(self) -> "FakeRegistry":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, path: str, body: dict) -> tuple[int, dict]:
        if path == PARS_PATH:
            return 200, {
                "results": [
                    self._result({"record_id": r.get("record_id")}, r.get("record_id"))
                    for r in body.get("learner_reports", [])
                ]
            }
        if path == CPE_MONITOR_PATH:
            return 200, {
                "results": [
                    self._result(
                        {k: r.get(k) for k in ("epid", "uan", "completed_on")}, r.get("epid")
                    )
                    for r in body.get("records", [])
                ]
            }
        return 404, {"error": "no such service"}

    def _result(self, key: dict, name) -> dict:
        if name in self.reject:
            return {**key, "status": "rejected", "reason": self.reject[name]}
        return {**key, "status": "accepted", "reason": ""}

    def _handler(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                registry.requests.append((self.path, dict(self.headers), body))
                if registry.mode == "slow":
                    time.sleep(registry.slow_seconds)
                if registry.mode == "error":
                    return self._send(503, {"error": "service unavailable"})
                if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                    return self._send(401, {"error": "unknown API key"})
                return self._send(*registry._answer(self.path, body))

            def _send(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the "slow" mode)

            def log_message(self, *args):
                pass

        return Handler


def address_when_down() -> str:
    """A loopback URL where nothing listens (a port taken and released at once): the
    registry is down, the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"
