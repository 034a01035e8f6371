"""Shared bench machinery: gunicorn servers on 127.0.0.1, a keep-alive HTTP client, /proc memory,
percentiles. Every loop here is bounded in requests and in time."""

from __future__ import annotations

import gzip
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ACCESS_FORMAT = "%(U)s %(q)s %(s)s %(B)s %(D)s"


def dashboard_wsgi() -> str:
    """The gunicorn app spec of the dashboard as deployed ("module:attribute"): the `wsgi_app`
    that gunicorn.conf.py names, else "app:server". The one place the bench looks it up, so a
    new WSGI module (e.g. `wsgi:server`) is picked up from the config or changed here."""
    import ast

    try:
        tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    except (OSError, SyntaxError):
        return "app:server"
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "wsgi_app" for t in node.targets)
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    return "app:server"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


# ---------------------------------------------------------------- /proc


def _ppid(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[1])


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _ppid(int(entry)) == pid:
            out.append(int(entry))
    return sorted(out)


def memory_kib(pid: int) -> dict[str, int]:
    """RSS (from /proc/PID/status) and PSS (from smaps_rollup) in KiB."""
    out = {"rss": 0, "pss": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = int(line.split()[1])
    except OSError:
        pass
    return out


# ---------------------------------------------------------------- gunicorn



def stop_process_group(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """SIGTERM the process group of `proc` (started with start_new_session=True, so gunicorn's
    workers go with their master), wait up to `grace_s`, then SIGKILL. Used by the benchmarks and
    by the test suites' server fixtures."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

class Server:
    """gunicorn -c gunicorn.conf.py MODULE on 127.0.0.1:free port, in its own process group."""

    def __init__(self, module: str | None = None, data_dir: str | Path | None = None, workers: int = 2,
                 threads: int = 4, env: dict | None = None, log_dir: Path = RESULTS / "logs", tag: str = "server"):
        self.module = module = module or dashboard_wsgi()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{tag}-{self.port}.log"
        self.access_path = log_dir / f"{tag}-{self.port}.access.log"
        self.env = dict(os.environ)
        self.env.update(
            PYTHONUNBUFFERED="1", HOST="127.0.0.1", BIND="127.0.0.1", PORT=str(self.port), WEB_CONCURRENCY=str(workers),
            THREADS=str(threads), LOG_LEVEL="info",  # master events (signals, worker exits) in the log
            WARM_CACHE_STATES="0",  # timings start from a cold cache with no warm-up competing (env may set it)
        )
        if data_dir is not None:
            self.env["DATA_DIR"] = str(data_dir)
        self.env.update({k: str(v) for k, v in (env or {}).items()})
        self.cmd = [
            PY, "-m", "gunicorn", "--no-control-socket", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}",
            "--access-logfile", str(self.access_path), "--access-logformat", ACCESS_FORMAT, module,
        ]
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self) -> "Server":
        self.access_path.write_text("")
        self._log = open(self.log_path, "wb")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def wait_ready(self, timeout: float = 600.0, path: str = "/readyz") -> float:
        """Seconds from start() to the first 200 on path (raises on exit or timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.url}{path} not ready after {timeout:.0f}s; see {self.log_path}")

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []

    def memory(self) -> dict:
        workers = self.workers()
        mem = {pid: memory_kib(pid) for pid in workers}
        return {
            "master": memory_kib(self.proc.pid),
            "workers": mem,
            "max_worker_rss_mib": max((m["rss"] for m in mem.values()), default=0) / 1024,
            "max_worker_pss_mib": max((m["pss"] for m in mem.values()), default=0) / 1024,
        }

    def restart_workers(self, timeout: float = 120.0) -> None:
        """SIGKILL this server's workers (by pid) so a runaway request stops; wait for new ones."""
        old = set(self.workers())
        for pid in old:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = set(self.workers())
            if now and not (now & old):
                break
            time.sleep(0.1)
        self.wait_ready(timeout=max(5.0, deadline - time.monotonic()), path="/healthz")

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process_group(self.proc, grace_s=25)
        self._log.close()

    def access_log(self) -> dict[str, dict]:
        """Access-log lines keyed by the request's `i=` query tag: status, bytes, server microseconds."""
        out = {}
        try:
            lines = self.access_path.read_text(errors="replace").splitlines()
        except OSError:
            return out
        for line in lines:
            parts = line.split()
            if len(parts) != 5 or "i=" not in parts[1]:
                continue
            query = dict(p.split("=", 1) for p in parts[1].split("&") if "=" in p)
            try:
                out[query["i"]] = {"status": int(parts[2]), "bytes": int(parts[3]) if parts[3] != "-" else 0,
                                   "us": int(parts[4])}
            except (KeyError, ValueError):
                continue
        return out

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------- HTTP client


@dataclass
class Client:
    """One keep-alive connection that, like a browser, accepts gzip. request() returns
    (status, decoded body, seconds); last_wire_bytes is the body size as transferred."""

    port: int
    timeout: float = 60.0
    conn: http.client.HTTPConnection | None = field(default=None, repr=False)
    last_wire_bytes: int = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self.conn

    def request(self, method: str, path: str, body: bytes | None = None,
                extra_headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        headers = {"Accept-Encoding": "gzip", **(extra_headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                elapsed = time.perf_counter() - started
                self.last_wire_bytes = len(data)
                if resp.getheader("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return resp.status, data, elapsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError

    def post_json(self, path: str, payload) -> tuple[int, bytes, float]:
        return self.request("POST", path, json.dumps(payload).encode())

    def get_json(self, path: str):
        status, data, _ = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return json.loads(data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_quiet(cmd: list[str], timeout: float, env: dict | None = None) -> tuple[int, float, str]:
    """Run a command (bounded), return (exit code, wall seconds, combined output)."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, time.perf_counter() - started, proc.stdout + proc.stderr
