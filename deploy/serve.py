"""The image's entry point: nginx on PORT in front of gunicorn on a private unix socket.

    python deploy/serve.py            # what `docker run -p 8050:8050 ...` starts (CMD)

gunicorn's gthread worker would give a thread to every connection that has sent a byte and wait
for its headers without a deadline, so a handful of slow clients stop all service
(README, Hosting). nginx (deploy/front.conf) reads whole requests under timeouts first.

gunicorn starts first (data are validated in its master, as with `make serve`); nginx starts once
gunicorn listens. Either one ending ends the other, and this process exits with the status of
the one that ended first (0 after SIGTERM/SIGINT), so the container stops and is restarted.
Environment: the settings in config.py; NGINX (the nginx binary, default /usr/sbin/nginx).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from security import request_limit  # noqa: E402

TEMPLATE = Path(__file__).with_name("front.conf")
GUNICORN_START_S = 120.0
# gunicorn's default access log line, with the client nginx names (REMOTE_ADDR is empty on a unix socket).
ACCESS_LOG_FORMAT = '%({x-real-ip}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'  # data validation in the gunicorn master, before it listens


def front_config(settings: Settings, runtime: Path, socket: Path) -> str:
    """deploy/front.conf with this run's port, socket, runtime directory and limits filled in."""
    real_ip = "\n".join(f"    set_real_ip_from {net};" for net in settings.auth_trusted_proxies)
    fields = {
        "PORT": str(settings.port) if settings.bind in ("0.0.0.0", "") else f"{_host(settings.bind)}:{settings.port}",
        "RUNTIME": str(runtime),
        "SOCKET": str(socket),
        "BODY_LIMIT": str(request_limit(settings.max_upload_mb)),
        "REAL_IP_FROM": real_ip or "    # (none configured)",
    }
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace(f"@{name}@", value)
    return text


def _host(bind: str) -> str:
    return f"[{bind}]" if ":" in bind else bind


def main() -> int:
    try:
        settings = Settings.from_env()
    except ValueError as err:
        print(f"Not starting: {err}", file=sys.stderr, flush=True)
        return 2
    runtime = Path(tempfile.mkdtemp(prefix="dashboard-front-"))
    runtime.chmod(0o755)  # nginx workers (another user when started as root) reach the socket
    socket = runtime / "gunicorn.sock"
    config = runtime / "nginx.conf"
    config.write_text(front_config(settings, runtime, socket))
    nginx_bin = os.environ.get("NGINX", "/usr/sbin/nginx")

    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum=None, _frame=None) -> None:
        nonlocal stopping
        stopping = stopping or signum is not None
        for name, proc in children.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)  # both: graceful

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    children["gunicorn"] = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--no-control-socket", "-c", "gunicorn.conf.py",
         "--bind", f"unix:{socket}", "--access-logformat", ACCESS_LOG_FORMAT, "wsgi:server"],
        cwd=ROOT,
    )
    deadline = time.monotonic() + GUNICORN_START_S
    while not socket.exists() and children["gunicorn"].poll() is None and not stopping:
        if time.monotonic() > deadline:
            print(f"serve.py: gunicorn not listening after {GUNICORN_START_S:.0f} s", file=sys.stderr, flush=True)
            stop()
            break
        time.sleep(0.1)
    if socket.exists() and children["gunicorn"].poll() is None and not stopping:
        children["nginx"] = subprocess.Popen([nginx_bin, "-c", str(config), "-e", "stderr", "-g", "daemon off;"])

    first = _wait_first(children)
    stop()
    for proc in children.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    shutil.rmtree(runtime, ignore_errors=True)
    return 0 if stopping else (first.returncode or 1)  # a child ending on its own is a failure


def _wait_first(children: dict[str, subprocess.Popen]) -> subprocess.Popen:
    """The child that ends first (polled, so signals to this process are handled meanwhile)."""
    while True:
        for proc in children.values():
            if proc.poll() is not None:
                return proc
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
