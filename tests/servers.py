"""Real Redis and PostgreSQL servers for tests, started in a temporary directory and stopped at
the end (Debian's `redis-server` and `postgresql`; scripts/setup.sh --hosting installs them).

- ``RedisServer(folder)``: `redis-server` on a free port, no persistence; ``stop()`` / ``start()``
  again on the same port (a Redis that went away and came back).
- ``PostgresServer(folder)``: `initdb` + `pg_ctl` from /usr/lib/postgresql/<version>/bin (or
  ``PG_BIN``) on a free port, a database ``trials``; run as the `postgres` user when the tests run
  as root (PostgreSQL refuses root). ``stop()`` / ``start()`` keep the data directory.

A missing server program skips the test that asked for it, with the install command.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f} s")


class RedisServer:
    def __init__(self, folder: Path):
        program = shutil.which("redis-server")
        if program is None:
            pytest.skip("redis-server not installed (bash scripts/setup.sh --hosting installs it)")
        self.program, self.folder, self.port = program, Path(folder), free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = open(self.folder / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.log.close()


def _pg_bin() -> Path | None:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


class PostgresServer:
    def __init__(self, folder: Path | None = None):
        self.bin = _pg_bin()
        if self.bin is None or not (self.bin / "pg_ctl").exists():
            pytest.skip("PostgreSQL not installed (bash scripts/setup.sh --hosting installs Debian's postgresql)")
        # its own folder under the system temp dir: pytest's tmp_path (mode 0700, root's) is not
        # reachable by the postgres user
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="test-postgres-")), free_port()
        self.data = self.folder / "pgdata"
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgresql://trials:trials@127.0.0.1:{self.port}/trials"
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.folder, self.user)
        password = self.folder / "pw"
        password.write_text("trials\n")
        if self.user:
            shutil.chown(password, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "trials", "--pwfile", str(password), "-A", "scram-sha-256",
                  "--no-sync", "-E", "UTF8")  # fmt: skip
        self.start()
        self._psql("CREATE DATABASE trials")

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", self.user, "--", *command] if self.user else command

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(self._command(program, *args), capture_output=True, cwd=self.folder, text=True)
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()[-800:]}")

    def _psql(self, sql: str) -> None:
        env = dict(os.environ, PGPASSWORD="trials")
        subprocess.run([str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "trials", "-d", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, env=env)  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-o", options, "-w", "start")
        _wait_port(self.port)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except RuntimeError:
            pass  # already stopped

    def remove(self) -> None:
        """Stop, and delete the data directory."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class Program:
    """Any long-running program (a Celery worker, nginx, the image's entry point) in its own process
    group, output to ``log``; ``wait_for_log(text)`` waits for a line, ``stop()`` ends the group."""

    def __init__(self, command: list[str], log: Path, env: dict | None = None, cwd: Path | None = None):
        self.command, self.log_path = command, Path(log)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            command, cwd=cwd, env={**os.environ, **{k: str(v) for k, v in (env or {}).items()}},
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_text():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command[:4]} exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"{text!r} not in {self.log_path} after {timeout:.0f} s:\n{self.log_text()[-3000:]}")

    def stop(self, grace_s: float = 20.0) -> None:
        from bench.common import stop_process_group

        stop_process_group(self.proc, grace_s=grace_s)
        self._log.close()


def celery_worker(env: dict, log: Path, cwd: Path, concurrency: int = 1) -> Program:
    """`celery -A export_worker worker` (the compose worker's command) with `concurrency` prefork
    processes (prefork, as in compose: Cancel terminates a job's process, which a solo pool cannot),
    started once it says it is ready."""
    import sys

    Path(log).unlink(missing_ok=True)  # a log of an earlier run under the same name would be read as this one's
    worker = Program(
        [sys.executable, "-m", "celery", "-A", "export_worker", "worker", "--loglevel=info",
         f"--concurrency={concurrency}", "-n", f"exports-{free_port()}@%h", "--without-mingle", "--without-gossip"],
        log, env, cwd,
    )  # fmt: skip
    worker.wait_for_log(" ready.")
    return worker
