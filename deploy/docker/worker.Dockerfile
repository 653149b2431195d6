# The Anneal worker: the CLI's `anneal worker` with the native TF.js backend and the graph training engine, both
# built here against the TensorFlow C library of a pinned PyPI wheel (deploy/native).
#   docker build -f deploy/docker/worker.Dockerfile -t anneal-worker .
# The GPU worker is the same image on PyPI's CUDA build of TensorFlow with NVIDIA's CUDA 12 runtime wheels inside, so
# the host needs only a driver (CUDA 12: 525 or later) and the NVIDIA container toolkit; without a GPU it trains on
# the CPU:
#   docker build -f deploy/docker/worker.Dockerfile --build-arg ANNEAL_TF_BUILD=gpu --build-arg ANNEAL_CUDA_WHEELS=1 \
#     -t anneal-worker-gpu .     (run it with `--gpus all ... worker --queue gpu`)
# BASE_IMAGE: any Debian-based image with Node.js 20.3+ and npm (the default is the official one; where no registry
# is reachable, deploy/docker/build-base.sh makes one from the Debian mirror). Certificates in deploy/docker/ca/*.crt
# are trusted during the build (a proxy's CA), and are not part of the final image.
ARG BASE_IMAGE=node:20-bookworm-slim
ARG ANNEAL_TF_BUILD=cpu
ARG ANNEAL_CUDA_WHEELS=0

FROM ${BASE_IMAGE} AS build
ARG ANNEAL_TF_BUILD
ARG ANNEAL_CUDA_WHEELS
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY deploy/docker/ca/ /tmp/extra-ca/
# hadolint ignore=DL3008
RUN cp /tmp/extra-ca/*.crt /usr/local/share/ca-certificates/ 2>/dev/null || true \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip python3-venv g++ make \
 && node_api="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node/node_api.h" \
 && { [ -f "$node_api" ] || apt-get install -y --no-install-recommends libnode-dev node-gyp; } \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app
COPY . .
# Then: dev dependencies pruned, TensorFlow's library stripped of its symbol tables (788 -> 583 MB; the dynamic
# symbols stay) and the Temporal core bridge's binaries for other platforms removed.
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && python3 -m venv /tmp/py \
 && PYTHON=/tmp/py/bin/python ANNEAL_HOME=/tmp/anneal ANNEAL_TF_BUILD="$ANNEAL_TF_BUILD" ANNEAL_CUDA_WHEELS="$ANNEAL_CUDA_WHEELS" \
    bash deploy/native/build-tfjs-node.sh \
 && node deploy/docker/bundle-workflows.mjs /app/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund \
 && strip --strip-unneeded node_modules/@tensorflow/tfjs-node/deps/lib/*.so.2 \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} + \
 && rm -rf /tmp/py /tmp/anneal /root/.npm

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --home-dir /var/lib/anneal --create-home anneal
COPY --from=build /app /app
WORKDIR /app
# NVIDIA_*: what the NVIDIA container runtime mounts into a GPU worker (ignored elsewhere).
ENV NODE_ENV=production \
    TF_CPP_MIN_LOG_LEVEL=2 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    ANNEAL_HOME=/var/lib/anneal \
    ANNEAL_DATA_ROOTS=/data \
    ANNEAL_WORKFLOW_BUNDLE=/app/workflow-bundle.js \
    ANNEAL_HEALTH_PORT=8080 \
    ANNEAL_HEALTH_HOST=0.0.0.0
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/packages/cli/bin/anneal.js"]
CMD ["worker"]
