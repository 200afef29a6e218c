"""What the fake servers share: a real HTTP server on localhost, served from a daemon thread until stopped."""
import threading
from http.server import ThreadingHTTPServer


class LocalServer:
    """Serves `handler` (a BaseHTTPRequestHandler, which finds its fake as `self.server.fake`) on host:port (a free
    port when 0) at `self.url`; `start()`/`stop()`, or `with`. `_stopping` is set when it stops, so that a scripted
    pause ends early."""

    def __init__(self, handler, *, host, port, name):
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.fake = self
        self.url = f"http://{host}:{self._server.server_address[1]}/"
        self._name = name
        self._thread = None
        self._stopping = threading.Event()

    def start(self):
        """Serve in a daemon thread; return self."""
        self._thread = threading.Thread(target=self._server.serve_forever, name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving, cut short any scripted pause and close the socket."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
