"""A real HTTP peer on 127.0.0.1 for engine tests: records every request it gets.

Paths: ``/status/<code>`` answers that status, ``/slow/<seconds>`` sleeps first,
``/redirect?to=<url>&code=<n>`` redirects there (302 unless told), anything else answers 200; every
answer is JSON echoing the method, path, headers and body it received, except ``/unstorable``'s:
JSON whose escapes make text no database column holds (a NUL, lone surrogates in a value and a key).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

UNSTORABLE_ANSWER = b'{"nul": "a\\u0000b", "lone": ["\\ud800"], "\\udc00": "key"}'


class Peer:
    def __init__(self):
        self.requests: list[dict] = []
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                seen = {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
                with peer._lock:
                    peer.requests.append(seen)
                    peer.hits[self.path] += 1
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status = 200
                if parts.path.startswith("/status/"):
                    status = int(parts.path.rsplit("/", 1)[1])
                if parts.path.startswith("/slow/"):
                    time.sleep(float(parts.path.rsplit("/", 1)[1]))
                if parts.path == "/redirect":
                    status = int(query.get("code", "302"))
                data = json.dumps(seen).encode()
                if parts.path == "/unstorable":
                    data = UNSTORABLE_ANSWER
                self.send_response(status)
                if parts.path == "/redirect":
                    self.send_header("Location", query["to"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Peer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
