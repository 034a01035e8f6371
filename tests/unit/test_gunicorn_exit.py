"""gunicorn.conf.py's exit hooks: a worker or the master leaves without the interpreter's teardown
(freeing the loaded app object by object took seconds per stop), yet keeps its exit code, runs its
atexit handlers (the export engine's Chromium is stopped there) and flushes its output. Run in a
real subprocess: os._exit ends the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

LOAD_CONF = """
import atexit, importlib.util, sys
spec = importlib.util.spec_from_file_location("gunicorn_conf", "gunicorn.conf.py")
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)
atexit.register(lambda: print("atexit handler ran", flush=True))
sys.stdout.write("unflushed output")  # no newline, no flush: os._exit alone would lose it
"""


def _run(body: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-c", LOAD_CONF + body], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_worker_keeps_its_exit_code_runs_atexit_and_flushes():
    # gunicorn's arbiter: `try: worker.init_process(); sys.exit(0) ... finally: cfg.worker_exit(...)`
    for raised, expected in (("sys.exit(0)", 0), ("sys.exit(3)", 3), ("sys.exit(None)", 0), ("raise RuntimeError", 1)):
        done = _run(f"\ntry:\n    {raised}\nfinally:\n    conf.worker_exit(None, None)\nprint('not reached')\n")
        assert done.returncode == expected, (raised, done.stderr)
        assert done.stdout == "unflushed outputatexit handler ran\n"


def test_the_master_keeps_halts_exit_status():
    # gunicorn's Arbiter.halt(reason, exit_status): `self.cfg.on_exit(self); sys.exit(exit_status)`
    for status in (0, 1, 3):
        done = _run(f"\ndef halt(reason=None, exit_status=0):\n    conf.on_exit(None)\n    sys.exit(99)\nhalt(exit_status={status})\n")
        assert done.returncode == status, done.stderr
        assert done.stdout == "unflushed outputatexit handler ran\n"
