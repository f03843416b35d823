# IC Portal image: one image for web (gunicorn), worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=icportal.production
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc libpq-dev libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e .
COPY . .
COPY --from=assets /src/node_modules/@uswds/uswds/dist /app/static/vendor/uswds
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js /app/static/vendor/htmx.min.js
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --home /app portal && mkdir -p /app/media /app/metrics \
    && chown portal /app/media /app/metrics
USER portal
EXPOSE 8000
CMD ["gunicorn", "icportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
