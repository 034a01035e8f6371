"""Users for AUTH_MODE=basic: a file of `user:password-hash` lines, checked in constant time.

Hashes are werkzeug's salted scrypt hashes, so the file never holds a password. Make a line with

    python auth.py hash [USER] >> users.txt      # asks for the password (or reads it from stdin)

Blank lines and lines starting with # are ignored; a user name may not contain ':'.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import hmac
import secrets
import sys
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash



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

    def verify(self, user: str, password: str) -> bool:
        digest = hmac.new(self._key, f"{user}\0{password}".encode(), hashlib.sha256).digest()
        if digest in self._verified:
            return True
        known = user in self._hashes
        ok = check_password_hash(self._hashes.get(user) or _dummy_hash(), password) and known
        if ok:
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified.add(digest)
        return ok


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
