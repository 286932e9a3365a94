# Production image of the portal: gunicorn serves the site; the same image runs the Celery
# worker and beat (see docker-compose.yml). Configuration comes only from the environment.

# The front-end packages are built in their own stage, so the final image carries no Node.js.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm

# Pango, HarfBuzz and a font for the receipt PDFs (WeasyPrint); gettext for compilemessages.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

# The code runs from /app, where templates/, static/ and locale/ live beside it, not from the
# copy `pip install .` leaves in site-packages (BASE_DIR is found from settings.py's location).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    WEB_CONCURRENCY=3

WORKDIR /app

# Dependencies first, in their own layer, so a change of code does not reinstall them all.
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
RUN pip install --no-deps .
COPY --from=assets /src/node_modules/@digigov/css/dist node_modules/@digigov/css/dist

# Static files and translations are part of the image. collectstatic runs under production
# settings so that WhiteNoise's manifest is written; the values below only let the settings
# load (nothing is connected to) and stay in this layer's command, not in the image.
RUN DJANGO_ENV=production \
    SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
    DATABASE_URL=postgres://build@localhost/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 \
    CACHE_URL=redis://localhost:6379/1 \
    EMAIL_URL=consolemail:// \
    ALLOWED_HOSTS=localhost \
    TAXISNET_BASE_URL=https://build.invalid/oauth2server \
    TAXISNET_CLIENT_ID=build TAXISNET_CLIENT_SECRET=build \
    MUNICIPALITY_IBAN=GR9608100010000001234567890 RF_CREDITOR_CODE=0000 \
    PORTAL_BASE_URL=https://build.invalid \
    STRIPE_SECRET_KEY=build STRIPE_PUBLISHABLE_KEY=build STRIPE_WEBHOOK_SECRET=build \
    sh -c 'python manage.py collectstatic --no-input \
        && if find . -name "*.po" -not -path "./node_modules/*" | grep -q .; then \
            python manage.py compilemessages; fi'

# A user of its own, owning only var/ (uploaded media, mail, beat's schedule).
RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p var/media var/mail \
    && chown -R portal:portal var
USER portal

EXPOSE 8000
CMD ["gunicorn", "thermi_portal.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-"]
