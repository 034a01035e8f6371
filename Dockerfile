# The dashboard: nginx on $PORT in front of gunicorn (deploy/serve.py; README, Hosting).
# Mirrors scripts/setup.sh: Debian's chromium + fonts-liberation (--browser) and nginx (--hosting),
# then `pip install -r requirements.txt`; gunicorn started like `make serve`, behind nginx.
#   docker build -t trial-evidence .
#   docker run --rm -p 8050:8050 trial-evidence          # http://127.0.0.1:8050
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Debian's Chromium (+ fonts) is what kaleido uses for static figure export
# (PNG/PPTX); Debian's nginx reads whole requests before gunicorn sees them (slow clients).
# Versions are not pinned on purpose: the Debian security archive replaces chromium
# builds often, and an exact pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-liberation nginx \
    && rm -rf /var/lib/apt/lists/*

ENV BROWSER_PATH=/usr/bin/chromium

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin app \
    && install -d -o app -g app -m 700 /var/lib/trial-evidence

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Code and data stay owned by root: the app user can read them, not change them.
COPY . .

# Numeric uid so runtimes can verify non-root (runAsNonRoot).
USER 10001

# Settings (see README, Configuration): nginx listens on BIND:PORT; gunicorn.conf.py reads
# WEB_CONCURRENCY, THREADS and LOG_LEVEL through config.Settings (gunicorn itself listens on a
# unix socket that only nginx, inside the container, reaches).
ENV PORT=8050 \
    BIND=0.0.0.0 \
    DATA_DIR=/app/data \
    STATE_DIR=/var/lib/trial-evidence

EXPOSE 8050

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4)"]

CMD ["python", "deploy/serve.py"]
