# syntax=docker/dockerfile:1
# The production image: gunicorn (web), celery worker and celery beat all run from it.
# Local `make run` / `make test` use psycopg2-binary wheels; here psycopg2 of the same
# version is built from source against the system's libpq, as psycopg recommends for
# production.

# --- build: compile what needs compiling into a virtualenv --------------------------
FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
COPY requirements.lock ./
RUN sed -E 's/^psycopg2-binary==/psycopg2==/' requirements.lock > requirements.production.lock \
    && grep -q '^psycopg2==' requirements.production.lock \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-binary psycopg2 -r requirements.production.lock

# --- runtime: no compiler, a non-root user ------------------------------------------
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 10001 --user-group isecg
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=isecg.settings.production \
    ISECG_VAR_DIR=/var/lib/isecg \
    STATIC_ROOT=/var/lib/isecg-static \
    MEDIA_ROOT=/var/lib/isecg/media
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . .
# Static files are collected into the image, with throw-away keys that are never used again.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    ISECG_SIGNING_KEY="$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p /var/lib/isecg/media \
    && chown -R isecg:isecg /var/lib/isecg /var/lib/isecg-static \
    && chmod +x docker/entrypoint.sh
USER isecg
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
