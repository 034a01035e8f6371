"""Users for AUTH_MODE=basic: a file of `user:password-hash` lines, checked in constant time.

Hashes are werkzeug's salted scrypt hashes, so the file never holds a password. Make a line with

    python auth.py hash [USER] >> users.txt      # asks for the password (or reads it from stdin)

Blank lines and lines starting with # are ignored; a user name may not contain ':'.
Failed sign-ins are limited per client address and per user (SignInLimits), so scrypt's cost
cannot be spent by anyone who can send requests.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import hmac
import logging
import math
import secrets
import sys
import threading
import time
from collections import deque
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

log = logging.getLogger(__name__)

@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown users against, so unknown and known users take the same time.
    Made on first use: scrypt takes a quarter second, which start-up need not pay."""
    return generate_password_hash(secrets.token_urlsafe(16))


_CACHE_LIMIT = 1024


def hash_line(user: str, password: str) -> str:
    """One users-file line: `user:salted-hash`."""
    if not user or ":" in user or user != user.strip():
        raise ValueError("a user name must be non-empty, without ':' or surrounding spaces")
    if not password:
        raise ValueError("empty password")
    return f"{user}:{generate_password_hash(password)}"


def parse_users(text: str, where: str = "users file") -> dict[str, str]:
    """{user: hash} from users-file text; raises ValueError naming the line of a malformed entry."""
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, hashed = line.partition(":")
        if not sep or not user or "$" not in hashed:
            raise ValueError(f"{where}, line {number}: expected `user:password-hash`")
        if user in users:
            raise ValueError(f"{where}, line {number}: user {user!r} listed twice")
        users[user] = hashed
    return users


class Users:
    """Verifies Basic credentials against the users file's hashes.

    scrypt is slow on purpose, and a browser sends the credentials with every request, so each
    process remembers credentials it has verified: as keyed digests (key random per process),
    never the password. Nothing here is needed for correctness, so any replica can answer.
    """

    def __init__(self, hashes: dict[str, str]):
        if not hashes:
            raise ValueError("no users defined")
        self._hashes = dict(hashes)
        self._key = secrets.token_bytes(32)
        self._verified: set[bytes] = set()

    @classmethod
    def from_file(cls, path: str | Path) -> Users:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise ValueError(f"cannot read users file {path}: {err.strerror}") from None
        return cls(parse_users(text, str(path)))

    def _digest(self, user: str, password: str) -> bytes:
        return hmac.new(self._key, f"{user}\0{password}".encode(), hashlib.sha256).digest()

    def verified_before(self, user: str, password: str) -> bool:
        """Whether these exact credentials were verified by this process (cheap: no scrypt)."""
        return self._digest(user, password) in self._verified

    def verify(self, user: str, password: str) -> bool:
        digest = self._digest(user, password)
        if digest in self._verified:
            return True
        known = user in self._hashes
        ok = check_password_hash(self._hashes.get(user) or _dummy_hash(), password) and known
        if ok:
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified.add(digest)
        return ok


class FailureWindow:
    """Failed sign-ins per key (a client address, a user name) in a sliding window of `window_s`.

    A key with `limit` failures inside the window is refused until the oldest of them leaves it,
    so refused attempts cost no scrypt and do not extend the wait. The state is per process
    (each gunicorn worker counts its own; SharedFailureWindow counts in Redis); at most `max_keys` keys are kept,
    the stalest dropped first, so random user names cannot grow it without bound.
    """

    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000, clock=time.monotonic):
        self.limit, self.window_s, self.max_keys, self._clock = limit, window_s, max_keys, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again (0: it may now)."""
        with self._lock:
            times = self._recent(key, self._clock())
            if times is None or len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[0] + self.window_s - self._clock()))

    def failed(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                if len(self._failures) >= self.max_keys:
                    self._drop_stalest()
                times = self._failures[key] = deque(maxlen=self.limit)
            times.append(now)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if times is not None and not times:
            del self._failures[key]
            return None
        return times

    def _drop_stalest(self) -> None:
        stalest = min(self._failures, key=lambda k: self._failures[k][-1])
        del self._failures[stalest]


SHARED_KEY_PREFIX = "trial-evidence:limits"
SHARED_RETRY_AFTER_S = 5.0  # Redis is skipped this long after a failed call

# A sliding window in one sorted set per key (members: events, scores: Redis's own clock, so
# replicas on different hosts agree): drop events older than the window, count, and when full,
# the wait until the oldest leaves it. Atomic, one round trip.
_RETRY_AFTER_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
"""
_FAILED_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) * 1000))
return 0
"""


class SharedFailureWindow:
    """A FailureWindow counted in Redis, so every worker and replica on that Redis shares one count
    (README, Hosting). Redis going away never refuses or fails a request: the counts fall back to
    this process's own window (one warning; Redis is tried again after SHARED_RETRY_AFTER_S).
    Keys are ``trial-evidence:limits:<name>:<SHA-256 of the key>`` and expire with the window."""

    def __init__(self, name: str, limit: int, window_s: float, url: str = "", client=None):
        import redis

        self.name, self.limit, self.window_s = name, limit, window_s
        self.local = FailureWindow(limit, window_s)
        self.client = client or redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._retry_after = self.client.register_script(_RETRY_AFTER_LUA)
        self._failed = self.client.register_script(_FAILED_LUA)
        self._errors = (redis.RedisError, OSError)
        self._down_until = 0.0

    def _key(self, key: str) -> str:
        return f"{SHARED_KEY_PREFIX}:{self.name}:{hashlib.sha256(key.encode('utf-8', 'replace')).hexdigest()}"

    def _shared(self, script, key: str, *args):
        """The script's answer, or None when Redis is down (then the local window counts)."""
        if time.monotonic() < self._down_until:
            return None
        try:
            return script(keys=[self._key(key)], args=[self.window_s, self.limit, *args])
        except self._errors as err:
            log.warning("rate limit %s: Redis unavailable (%s: %s); counting in this process for %.0f s",
                        self.name, type(err).__name__, str(err)[:200], SHARED_RETRY_AFTER_S)  # fmt: skip
            self._down_until = time.monotonic() + SHARED_RETRY_AFTER_S
            return None

    def retry_after(self, key: str) -> int:
        wait = self._shared(self._retry_after, key)
        return self.local.retry_after(key) if wait is None else int(wait)

    def failed(self, key: str) -> None:
        if self._shared(self._failed, key, secrets.token_hex(8)) is None:
            self.local.failed(key)


def failure_window(name: str, limit: int, window_s: float, redis_url: str = "") -> FailureWindow | SharedFailureWindow:
    """A window shared through Redis when `redis_url` is set (LIMITS_URL, else CACHE_URL), else this process's own."""
    return SharedFailureWindow(name, limit, window_s, redis_url) if redis_url else FailureWindow(limit, window_s)


CLIENT_FAILURES = 10  # failed sign-ins one client address may send per window
USER_FAILURES = 20  # failed sign-ins for one user name, from any address, per window
FAILURE_WINDOW_S = 60.0


class SignInLimits:
    """The two windows a Basic sign-in passes: per client address, then per user name.

    The per-client window refuses everything from a client over its limit (also a right password,
    or guessing would go on). The per-user window stops scrypt work for a user under attack from
    many addresses, but credentials this process already verified still pass, so a signed-in user
    is not locked out by someone else's failures.
    """

    def __init__(self, client_limit: int = CLIENT_FAILURES, user_limit: int = USER_FAILURES,
                 window_s: float = FAILURE_WINDOW_S, clock=time.monotonic, redis_url: str = ""):
        if redis_url:  # counted in Redis, shared by every worker and replica
            self.clients = failure_window("sign-in-client", client_limit, window_s, redis_url)
            self.users = failure_window("sign-in-user", user_limit, window_s, redis_url)
        else:
            self.clients = FailureWindow(client_limit, window_s, clock=clock)
            self.users = FailureWindow(user_limit, window_s, clock=clock)

    def retry_after(self, users: Users, client: str, user: str, password: str) -> int:
        """Seconds to wait before these credentials are checked (0: check them now)."""
        wait = self.clients.retry_after(client)
        if wait:
            return wait
        wait = self.users.retry_after(user)
        return 0 if wait and users.verified_before(user, password) else wait

    def failed(self, client: str, user: str) -> None:
        self.clients.failed(client)
        self.users.failed(user)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2) or argv[0] != "hash":
        print("usage: python auth.py hash [USER]   (prints a users-file line)", file=sys.stderr)
        return 2
    if len(argv) == 2:
        user = argv[1]
    else:  # prompt on stderr: stdout is the users-file line only
        print("user: ", end="", file=sys.stderr, flush=True)
        user = sys.stdin.readline().strip()
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        print(hash_line(user, password))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
