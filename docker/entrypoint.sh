#!/bin/sh
# Entry point of the image: `web` (migrate, collectstatic, gunicorn), `worker`, `beat`,
# or any other command (e.g. `python manage.py seed_demo`).
set -eu

case "${1:-web}" in
web)
    if [ "$#" -gt 0 ]; then shift; fi
    python manage.py migrate --noinput
    python manage.py collectstatic --noinput --verbosity 0
    exec gunicorn isecg.wsgi \
        --bind "0.0.0.0:${PORT:-8000}" \
        --workers "${GUNICORN_WORKERS:-3}" \
        --access-logfile - \
        --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
        "$@"
    ;;
worker)
    shift
    exec celery -A isecg worker --loglevel="${LOG_LEVEL:-INFO}" \
        --concurrency="${CELERY_CONCURRENCY:-2}" "$@"
    ;;
beat)
    shift
    # The schedule lives in the database (django-celery-beat), not in a local file.
    exec celery -A isecg beat --loglevel="${LOG_LEVEL:-INFO}" \
        --scheduler django_celery_beat.schedulers:DatabaseScheduler --pidfile= "$@"
    ;;
*)
    exec "$@"
    ;;
esac
