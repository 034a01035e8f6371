# The dashboard under gunicorn. Mirrors scripts/setup.sh: Debian's chromium + fonts-liberation,
# then `pip install -r requirements.txt`; started like `make serve`.
#   docker build -t trial-evidence .
#   docker run --rm -p 8050:8050 trial-evidence          # http://127.0.0.1:8050
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Debian's Chromium (+ fonts) is what kaleido uses for static figure export
# (PNG/PPTX). Versions are not pinned on purpose: the Debian security archive
# replaces chromium builds often, and an exact pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-liberation \
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

# Settings (see README, Configuration): gunicorn.conf.py reads BIND, PORT, WEB_CONCURRENCY,
# THREADS and LOG_LEVEL through config.Settings.
ENV PORT=8050 \
    BIND=0.0.0.0 \
    DATA_DIR=/app/data \
    STATE_DIR=/var/lib/trial-evidence

EXPOSE 8050

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4)"]

CMD ["gunicorn", "--no-control-socket", "-c", "gunicorn.conf.py", "app:server"]
