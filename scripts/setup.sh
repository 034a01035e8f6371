#!/usr/bin/env bash
# Idempotent environment setup for the dashboard.
#
#   bash scripts/setup.sh            # .venv + runtime requirements
#   bash scripts/setup.sh --dev      # + test/dev requirements
#   bash scripts/setup.sh --browser  # + Debian chromium & fonts (browser tests), LibreOffice
#                                    #   Impress and poppler-utils (the deck rendering test)
#   bash scripts/setup.sh --hosting  # + Debian nginx (the image's front), postgresql and
#                                    #   redis-server (started by the team hosting tests)
#
# Fast when nothing changed: pip is skipped while a stamp file in .venv holds
# the hash of the requirement files (and of the venv's interpreter config).
# Environment: PYTHON (interpreter used to create .venv, default python3),
#              CHROMIUM (browser path checked by --browser, default /usr/bin/chromium),
#              NGINX (nginx path checked by --hosting, default /usr/sbin/nginx).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DEV=0
BROWSER=0
HOSTING=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --browser) BROWSER=1 ;;
    --hosting) HOSTING=1 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "setup.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
NGINX="${NGINX:-/usr/sbin/nginx}"

log() { echo "setup.sh: $*" >&2; }

# Run a command as root (sudo only when we are not root already).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    log "need root for: $*  (not root and no sudo)"
    return 1
  fi
}

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    log "apt-get not available; please install manually: $*"
    return 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# --- 1. virtualenv ----------------------------------------------------------
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/pyvenv.cfg" ]; then
  log "creating $VENV with $PYTHON"
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV"; then
    # Debian's system python ships venv/ensurepip separately.
    rm -rf "$VENV"
    pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    apt_install "python${pyver}-venv" || apt_install python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
fi

# --- 2. Python requirements (skipped when the stamp matches) ---------------
hash_of() { cat "$@" "$VENV/pyvenv.cfg" | sha256sum | cut -d' ' -f1; }

install_reqs() { # $1 = stamp name, rest = requirement files (first one is installed)
  local stamp="$VENV/.$1.stamp" want have=""
  shift
  want="$(hash_of "$@")"
  [ -f "$stamp" ] && have="$(cat "$stamp")"
  if [ "$want" = "$have" ]; then
    return 0
  fi
  log "pip install -r $1"
  if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    "$VENV/bin/python" -m ensurepip --upgrade
  fi
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$1"
  echo "$want" >"$stamp"
}

if [ "$DEV" -eq 1 ]; then
  install_reqs requirements-dev requirements-dev.txt requirements.txt
  # requirements-dev.txt includes requirements.txt, so runtime is done too.
  hash_of requirements.txt >"$VENV/.requirements.stamp"
else
  install_reqs requirements requirements.txt
fi

# --- 3. Browser for Playwright / kaleido (Debian packages) ------------------
if [ "$BROWSER" -eq 1 ]; then
  missing=()
  [ -x "$CHROMIUM" ] || missing+=(chromium)
  if command -v dpkg-query >/dev/null 2>&1 &&
     ! dpkg-query -W -f='${Status}' fonts-liberation 2>/dev/null | grep -q "ok installed"; then
    missing+=(fonts-liberation)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    # Always install both together when chromium is missing.
    case " ${missing[*]} " in *" chromium "*) missing=(chromium fonts-liberation) ;; esac
  fi
  # The deck test renders a PowerPoint export with LibreOffice Impress -> PDF -> pdftoppm.
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-impress)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
  if [ ! -x "$CHROMIUM" ]; then
    log "chromium still missing at $CHROMIUM"
    exit 1
  fi
fi

# --- 4. nginx, the image's front (deploy/serve.py), for hosting tests -------------
if [ "$HOSTING" -eq 1 ] && [ ! -x "$NGINX" ]; then
  apt_install nginx
  if [ ! -x "$NGINX" ]; then
    log "nginx still missing at $NGINX"
    exit 1
  fi
fi

# --- 5. PostgreSQL and Redis servers, started by tests/hosting/test_team.py --------
# (the tests run initdb/pg_ctl from /usr/lib/postgresql/<version>/bin in a temp dir and
# redis-server on a free port; the Debian packages' own services are not needed)
if [ "$HOSTING" -eq 1 ]; then
  hosting_missing=()
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || hosting_missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || hosting_missing+=(redis-server)
  if [ "${#hosting_missing[@]}" -gt 0 ]; then
    apt_install "${hosting_missing[@]}"
  fi
fi
