"""`make run`: serve the app on 127.0.0.1:5000 for development, then say where to go and how to sign in, on the
last lines. The scheduler's jobs run in this process when SCHEDULER_IN_PROCESS=1 (`make run` sets it)."""
import os
import sys

from werkzeug.serving import make_server

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from app.seed import demo_account  # noqa: E402

HOST = "127.0.0.1"


def where_to_go(base, account):
    """The lines that end `make run`'s output: the addresses, and the demo owner's sign-in."""
    if account:
        username, password = account
        sign_in = f"sign in as {username} / {password}   (changed it? `flask users set-password {username}`)" \
            if password else \
            f"sign in as {username} (`flask users set-password {username}` sets a new password)"
    else:
        sign_in = "no demo account: `flask users create --role owner …` makes one"
    return ["", "weishang is running (development):",
            f"  console     {base}/admin/   {sign_in}",
            f"  scan page   {base}/v/",
            f"  API         {base}/api/openapi.json",
            "  Ctrl+C stops it."]


def main():
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    server = make_server(HOST, port, app, threaded=True)
    for line in where_to_go(f"http://{HOST}:{port}", demo_account()):
        print(line, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
