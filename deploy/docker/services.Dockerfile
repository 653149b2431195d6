# Temporal's server (the CLI's dev server with a SQLite file on a volume) and the MLflow server (a SQLite database
# and an artifact store on a volume), from the same pinned Python lock as the local stack (deploy/local).
#   docker build -f deploy/docker/services.Dockerfile --target temporal -t anneal-temporal .
#   docker build -f deploy/docker/services.Dockerfile --target mlflow -t anneal-mlflow .
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS python
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY deploy/docker/ca/ /tmp/extra-ca/
# hadolint ignore=DL3008
RUN cp /tmp/extra-ca/*.crt /usr/local/share/ca-certificates/ 2>/dev/null || true \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/extra-ca
COPY deploy/local/requirements.lock.txt /tmp/requirements.lock.txt
RUN python3 -m venv /opt/venv \
 && PIP_CERT=/etc/ssl/certs/ca-certificates.crt /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.lock.txt \
 && useradd --system --uid 10001 --home-dir /data --create-home anneal
ENV PATH=/opt/venv/bin:$PATH
USER 10001
WORKDIR /data
VOLUME ["/data"]

FROM python AS temporal
EXPOSE 7233 8233
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=10 CMD ["temporal", "operator", "cluster", "health", "--address", "127.0.0.1:7233"]
ENTRYPOINT ["temporal", "server", "start-dev", "--ip", "0.0.0.0", "--ui-ip", "0.0.0.0", "--db-filename", "/data/temporal.db", "--log-level", "warn"]

FROM python AS mlflow
EXPOSE 5000
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=20 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=4)"]
# --artifacts-destination: artifacts go through the server, so every worker reaches them at the tracking URI.
ENTRYPOINT ["mlflow", "server", "--host", "0.0.0.0", "--port", "5000", "--workers", "1", \
  "--backend-store-uri", "sqlite:////data/mlflow.db", "--artifacts-destination", "/data/artifacts"]
