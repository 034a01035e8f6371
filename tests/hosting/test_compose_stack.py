"""compose.yaml run natively, as `docker compose up` would run it (no Docker engine here).

Each service is read from compose.yaml (and the image's CMD, ENV and HEALTHCHECK from the
Dockerfile) and started with the same command and environment; only what Docker's network and
volumes provide is mapped: the host names `postgres`, `redis` and `cache` and the proxy's fixed
address become 127.0.0.1 and the servers' ports, each replica's port is a free one, the `state` volume is
one temporary folder, the image's /app is the repository. Then, through the proxy, the way a team
uses it: two visitors (compose configures no sign-in, so each is an anonymous owner cookie), one
adds a trial through the API and shares it, the other sees it listed, and each replica draws it.

Bounded for a 2-core machine: 2 app replicas (compose asks for 3; nothing here differs with a
third), each with compose's WEB_CONCURRENCY; the worker with compose's own command.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from evidence.upload import bundle_zip, example_files
from tests.browser.conftest import chromium_browser, page  # noqa: F401 - fixtures
from tests.hosting.conftest import ARTIFACTS, NGINX, REPO_ROOT, free_port, http
from tests.hosting.test_team import EXAMPLE, api, forest, listed, post_file
from tests.servers import PostgresServer, Program, _wait_port

REPLICAS = 2
COMPOSE = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
REDIS_SERVICES = [name for name, service in SERVICES.items() if service.get("image", "").startswith("redis:")]


# ---------------------------------------------------------------- reading compose.yaml and the Dockerfile


def interpolate(value: str, env: dict) -> str:
    """Compose's variable substitution: ${NAME:-default}, ${NAME}, and $$ for a literal $."""

    def one(match: re.Match) -> str:
        name, default = match.group(1), match.group(3)
        return env.get(name) or (default or "")

    return re.sub(r"\$\{(\w+)(:-([^}]*))?\}", one, value).replace("$$", "$")


def dockerfile() -> tuple[dict, list[str], list[str]]:
    """The image's (ENV, CMD, HEALTHCHECK CMD) from the Dockerfile."""
    text = re.sub(r"\\\n\s*", " ", (REPO_ROOT / "Dockerfile").read_text())
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", text, re.M):
        env.update(pair.split("=", 1) for pair in shlex.split(line))
    command = json.loads(re.search(r"^CMD (\[.+\])$", text, re.M).group(1))
    health = json.loads(re.search(r"^HEALTHCHECK .*?CMD (\[.+\])$", text, re.M).group(1))
    return env, command, health


IMAGE_ENV, IMAGE_CMD, IMAGE_HEALTH = dockerfile()


def test_compose_and_the_image_agree():
    """What the stand-in relies on: the volumes and ports compose names are the image's."""
    app = SERVICES["app"]
    assert app["expose"] == [IMAGE_ENV["PORT"]]
    assert "command" not in app and app["image"] == SERVICES["worker"]["image"]  # the image's CMD; one image
    assert f"state:{IMAGE_ENV['STATE_DIR']}" in app["volumes"] and f"state:{IMAGE_ENV['STATE_DIR']}" in SERVICES["worker"]["volumes"]
    assert "server app:" + IMAGE_ENV["PORT"] in (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    proxy_address = SERVICES["proxy"]["networks"]["web"]["ipv4_address"]
    assert SERVICES["app"]["environment"]["AUTH_TRUSTED_PROXIES"] == proxy_address
    assert SERVICES["proxy"]["volumes"] == ["./deploy/nginx.conf:/etc/nginx/nginx.conf:ro"]


# ---------------------------------------------------------------- the stack


class Stack:
    """compose.yaml's services started natively; `mapped(value)` turns compose's addresses into local ones."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.programs: list[Program] = []
        self.postgres: PostgresServer | None = None
        self.replicas: list[dict] = []

    def log(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        return ARTIFACTS / f"compose-{name}-{os.getpid()}.log"

    def mapped(self, value: str) -> str:
        for compose_address, local in self.addresses.items():
            value = value.replace(compose_address, local)
        return value

    def environment(self, service: str) -> dict:
        """The image's ENV, then compose's `environment` (interpolated as compose does from an empty
        shell environment), with addresses, the /app folder and the `state` volume mapped."""
        compose_env = {k: interpolate(str(v), {}) for k, v in (SERVICES[service].get("environment") or {}).items()}
        env = {**IMAGE_ENV, **compose_env}
        env = {k: self.mapped(v) for k, v in env.items()}
        env.update(STATE_DIR=str(self.state), DATA_DIR=str(REPO_ROOT / "data"), HOSTNAME=socket.gethostname())
        for name in ("AUTH_MODE", "AUTH_USERS_FILE", "DASH_DEBUG", "WARM_CACHE_STATES"):
            env.setdefault(name, "")  # nothing from this shell leaks in (compose starts from the image)
        return {k: v for k, v in env.items() if v != ""}

    def healthy(self, service: str, env: dict, port: int | None = None) -> subprocess.CompletedProcess:
        """Run the service's compose health check (CMD or CMD-SHELL) on this machine, pointed at
        the local port where the command names none."""
        test = SERVICES[service]["healthcheck"]["test"]
        timeout = float(SERVICES[service]["healthcheck"]["timeout"].rstrip("s"))
        kind, *args = (interpolate(part, {}) for part in test)
        command = ["sh", "-c", args[0]] if kind == "CMD-SHELL" else args
        if service == "postgres":
            command[-1] += f" -h 127.0.0.1 -p {port}"
            command[-1] = str(self.postgres.bin / command[-1])
        elif service in REDIS_SERVICES:
            command[1:1] = ["-p", str(port)]  # redis-cli's options before its command
        elif service == "worker":
            command[-1] = command[-1].replace("celery ", f"{Path(sys.executable).parent}/celery ", 1)
        started = time.monotonic()
        done = subprocess.run(command, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                              timeout=timeout * 3)  # fmt: skip
        done.seconds, done.timeout = time.monotonic() - started, timeout
        return done

    def start(self) -> None:
        # postgres: Debian's server with compose's user, password and database
        pg_env = {k: interpolate(str(v), {}) for k, v in SERVICES["postgres"]["environment"].items()}
        self.postgres = PostgresServer()
        assert self.postgres.url == "postgresql://{POSTGRES_USER}:{POSTGRES_PASSWORD}@127.0.0.1:{port}/{POSTGRES_DB}".format(
            port=self.postgres.port, **pg_env)
        # redis and cache: compose's command each, on a local port, data under its own folder
        self.redis_ports = {}
        for service in REDIS_SERVICES:
            port, data = free_port(), self.folder / service
            data.mkdir()
            command = [shutil.which(SERVICES[service]["command"][0]), *SERVICES[service]["command"][1:],
                       "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]  # fmt: skip
            self.programs.append(Program(command, self.log(service)))
            _wait_port(port)
            self.redis_ports[service] = port
        self.addresses = {
            "postgres:5432": f"127.0.0.1:{self.postgres.port}",
            **{f"{service}:6379": f"127.0.0.1:{port}" for service, port in self.redis_ports.items()},
            SERVICES["proxy"]["networks"]["web"]["ipv4_address"]: "127.0.0.1",
        }
        self.state = self.folder / "state"  # the `state` volume
        self.state.mkdir()
        for service, port in (("postgres", self.postgres.port), *self.redis_ports.items()):
            done = self.healthy(service, {}, port)
            assert done.returncode == 0, (service, done.stdout, done.stderr)

        # app replicas: the image's CMD, all started at once (compose does; migrations take a lock)
        command = [sys.executable if IMAGE_CMD[0] == "python" else IMAGE_CMD[0], *IMAGE_CMD[1:]]
        for n in range(SERVICES["app"]["deploy"]["replicas"])[:REPLICAS]:
            env = dict(self.environment("app"), PORT=str(free_port()), BIND="127.0.0.1")
            self.programs.append(Program(command, self.log(f"app{n}"), env, REPO_ROOT))
            self.replicas.append(env)
        for n, env in enumerate(self.replicas):
            self.wait_healthy(f"http://127.0.0.1:{env['PORT']}", self.programs[-REPLICAS + n])

        # worker: compose's command (after the replicas are healthy, as depends_on says)
        worker_env = self.environment("worker")
        worker_command = [str(Path(sys.executable).parent / "celery"), *SERVICES["worker"]["command"][1:]]
        self.worker = Program(worker_command, self.log("worker"), worker_env, REPO_ROOT)
        self.programs.append(self.worker)
        self.worker.wait_for_log(" ready.", timeout=120)
        self.worker_health = self.healthy("worker", worker_env)

        # proxy: Debian's nginx with the config compose mounts, as an unprivileged user
        self.proxy_port = free_port()
        self.start_proxy()

    def wait_healthy(self, url: str, program: Program, timeout: float = 120.0) -> None:
        """The image's HEALTHCHECK: GET /healthz on PORT."""
        assert IMAGE_HEALTH[-1].count("/healthz") == 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert program.proc.poll() is None, program.log_text()[-3000:]
            try:
                if http(url + "/healthz", timeout=4)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{url} not healthy:\n{program.log_text()[-3000:]}")

    def proxy_config(self, prefix: Path) -> Path:
        text = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
        line = re.search(r"^\s*server app:\d+(.*);$", text, re.M)
        servers = "\n".join(f"        server 127.0.0.1:{env['PORT']}{line.group(1)};" for env in self.replicas)
        text = text.replace(line.group(0), servers)  # `app` resolves to every replica
        text = text.replace("listen 80;", f"listen 127.0.0.1:{self.proxy_port};")  # ports: 127.0.0.1:8080:80
        path = prefix / "nginx.conf"
        path.write_text(text)
        return path

    def start_proxy(self) -> None:
        # its own folder under the system temp dir: pytest's tmp_path (0700, root's) is not nobody's
        prefix = self.nginx_prefix = Path(tempfile.mkdtemp(prefix="compose-nginx-"))
        config = self.proxy_config(prefix)
        log = prefix / "nginx.log"
        log.touch()
        run_as: list[str] = []
        if os.geteuid() == 0:  # never as root: nobody owns the prefix (temp files, pid) and the log
            run_as = ["runuser", "-u", "nobody", "--"]
            for path in (prefix, config, log):
                shutil.chown(path, "nobody")
        nginx = [*run_as, NGINX, "-p", f"{prefix}/", "-c", str(config), "-e", "stderr"]
        with open(log, "ab") as out:  # nginx reopens /dev/stdout: a file nobody may write, not a pipe
            checked = subprocess.run([*nginx, "-t", "-g", f"pid {prefix}/nginx.pid;"], stdout=out, stderr=out, timeout=30)
        assert checked.returncode == 0 and "test is successful" in log.read_text(), log.read_text()
        self.proxy = Program([*nginx, "-g", f"pid {prefix}/nginx.pid; daemon off;"], log)
        self.programs.append(self.proxy)
        _wait_port(self.proxy_port)
        self.url = f"http://127.0.0.1:{self.proxy_port}"

    def stop(self) -> None:
        for program in reversed(self.programs):
            program.stop()
        if self.postgres is not None:
            self.postgres.remove()
        if getattr(self, "nginx_prefix", None):
            shutil.rmtree(self.nginx_prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not os.access(NGINX, os.X_OK):
        pytest.skip(f"nginx not installed at {NGINX} (bash scripts/setup.sh --hosting installs it)")
    running = Stack(tmp_path_factory.mktemp("compose"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def visitor(url: str) -> dict:
    """A visitor's first page load through the proxy: the anonymous owner cookie it is given."""
    status, headers, _body = http(url + "/")
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("trial_evidence_owner=")
    return {"Cookie": cookie}


def test_the_stack_serves_a_team_through_the_proxy(stack):
    url = stack.url
    status, _h, body = http(url + "/readyz")
    ready = json.loads(body)
    assert status == 200 and ready["status"] == "ready", ready
    assert ready["database"]["status"] == "ok" and ready["cache"] == "redis"
    health = stack.worker_health  # compose's check of the worker, within compose's timeout
    assert health.returncode == 0 and health.seconds < health.timeout, (health.seconds, health.stderr[-2000:])

    alice, bob = visitor(url), visitor(url)
    status, body = post_file(http, url, alice, bundle_zip(example_files()))
    assert status == 201 and body["trial_ids"] == [EXAMPLE], body
    assert (EXAMPLE, "uploaded") not in listed(http, url, bob)  # private until shared
    status, body = api(http, url, alice, f"/{EXAMPLE}/share", "POST")
    assert status == 200 and body["trial"]["shared"] is True, body
    seen = listed(http, url, bob)[(EXAMPLE, "uploaded")]
    assert seen["shared"] is True and seen["mine"] is False
    for env in stack.replicas:  # each replica, asked directly, draws it for bob
        status, text = forest(http, f"http://127.0.0.1:{env['PORT']}", bob)
        assert status == 200 and EXAMPLE in text
    status, text = forest(http, url, bob)
    assert status == 200 and EXAMPLE in text and "PASO" in text
    assert "GET /readyz" in stack.proxy.log_text()  # all of it through compose's nginx


def redis_cli(stack, url: str, *args: str) -> str:
    """redis-cli against the local server a compose Redis URL (redis://service:6379/db) names."""
    parts = urlsplit(stack.mapped(url))
    command = [shutil.which("redis-cli"), "-h", parts.hostname, "-p", str(parts.port), "-n", parts.path.strip("/") or "0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout


def test_what_must_not_be_lost_is_in_a_redis_that_never_evicts(stack):
    """The figure cache may lose anything at its memory limit (allkeys-lru, a bound set); the
    broker and the rate-limit counts live in the other Redis, which never evicts: counts dropped
    under memory pressure would let a client past its limit, dropped jobs would never run."""
    env = stack.environment("app")
    assert urlsplit(env["CACHE_URL"]).port != urlsplit(env["LIMITS_URL"]).port  # two servers
    assert urlsplit(env["LIMITS_URL"]).port == urlsplit(env["CELERY_BROKER_URL"]).port

    def policy(url: str) -> tuple[str, int]:
        said = redis_cli(stack, url, "config", "get", "maxmemory*").split()
        settings = dict(zip(said[::2], said[1::2]))
        return settings["maxmemory-policy"], int(settings["maxmemory"])

    assert policy(env["CACHE_URL"]) == ("allkeys-lru", 512 * 1024 * 1024)
    assert policy(env["LIMITS_URL"])[0] == "noeviction" and policy(env["CELERY_BROKER_URL"])[0] == "noeviction"

    # and the app puts each kind where compose says: a counted API request, a drawn figure
    carol = visitor(stack.url)
    assert api(http, stack.url, carol, "", "GET")[0] == 200
    assert forest(http, stack.url, carol)[0] == 200
    assert redis_cli(stack, env["LIMITS_URL"], "--scan", "--pattern", "trial-evidence:limits:*").split()
    assert not redis_cli(stack, env["LIMITS_URL"], "--scan", "--pattern", "trial-evidence:v1:*").split()
    assert redis_cli(stack, env["CACHE_URL"], "--scan", "--pattern", "trial-evidence:v1:*").split()
    assert not redis_cli(stack, env["CACHE_URL"], "--scan", "--pattern", "trial-evidence:limits:*").split()


@pytest.mark.browser
def test_a_deck_is_exported_through_the_proxy_by_the_worker(stack, page, tmp_path):  # noqa: F811
    """A visitor clicks the deck export on the page nginx serves: the job runs in compose's worker
    (its log says so), progress and the file come back through nginx, and the file is a deck."""
    from pptx import Presentation

    from tests.browser.test_exports import ready_to_export
    from tests.hosting.test_celery_export import DOWNLOAD_MS, TASK

    page.goto(stack.url + "/?agent=bevacizumab")
    ready_to_export(page)
    with page.expect_download(timeout=DOWNLOAD_MS) as info:
        page.locator("#export-pptx").click()  # "All figures that show data": a background job
        page.wait_for_function(
            "() => /^Drawn slide \\d+ of \\d+: \\S/.test(document.querySelector('#export-progress-text').textContent)",
            timeout=DOWNLOAD_MS,
        )
    download = info.value
    assert download.suggested_filename.startswith("trial-evidence_E2100_") and download.suggested_filename.endswith(".pptx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes()[:2] == b"PK"
    titles = [s.shapes.title.text_frame.text for s in Presentation(str(target)).slides]
    assert len(titles) == 28 and titles[0] == "Sorafenib & anti-VEGF trial evidence" and titles[-1].startswith("Sources")
    succeeded = [m for m in TASK.finditer(stack.worker.log_text()) if m.group(3) == "succeeded"]
    assert len(succeeded) == 1, stack.worker.log_text()[-2000:]  # made by the worker, not a replica
    assert "POST /_dash-update-component" in stack.proxy.log_text()  # all of it through nginx
    assert page.console_errors == []
