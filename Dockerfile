# One image for the web process, the workers and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY factcheck ./factcheck
COPY claims ./claims
COPY evidence ./evidence
COPY workers ./workers
COPY seeds ./seeds
COPY memory ./memory
COPY intake ./intake
COPY publishing ./publishing
COPY manage.py ./
# Optional extras of pyproject.toml, e.g. `monitoring` (Flower) for the compose file's flower service.
ARG EXTRAS=""
RUN pip install ".${EXTRAS:+[$EXTRAS]}" \
    && DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v 0 \
    && useradd --system --home /app factcheck \
    && mkdir -p /app/var/media && chown -R factcheck /app/var
USER factcheck

EXPOSE 8000
CMD ["gunicorn", "-c", "python:factcheck.gunicorn", "factcheck.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
