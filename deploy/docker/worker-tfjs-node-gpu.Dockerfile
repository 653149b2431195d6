# The alternative GPU worker: `anneal worker --queue gpu` on @tensorflow/tfjs-node-gpu 4.22, which wraps libtensorflow
# 2.9.1 and so needs CUDA 11.2 and cuDNN 8.1: the base is NVIDIA's CUDA 11.2 runtime image with cuDNN 8. Training runs
# eagerly on this route. The default GPU worker is worker.Dockerfile built with ANNEAL_TF_BUILD=gpu (TensorFlow 2.21,
# CUDA 12 from PyPI's wheels, the graph engine). Not built by CI: no registry here serves NVIDIA's images, and
# tfjs-node-gpu's install script downloads the GPU libtensorflow from Google's storage (or TFJS_NODE_BASE_URI).
#   docker build -f deploy/docker/worker-tfjs-node-gpu.Dockerfile -t anneal-worker-tfjs-gpu .
ARG NODE_IMAGE=node:20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

FROM ${NODE_IMAGE} AS node

FROM ${CUDA_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
COPY deploy/docker/ca/ /tmp/extra-ca/
# hadolint ignore=DL3008
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && cp /tmp/extra-ca/*.crt /usr/local/share/ca-certificates/ 2>/dev/null || true \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates python3 g++ make \
 && update-ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
ARG TFJS_NODE_BASE_URI=
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm install --no-save --no-audit --no-fund --ignore-scripts=false @tensorflow/tfjs-node-gpu@4.22.0 \
 && node deploy/docker/bundle-workflows.mjs /app/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf /root/.npm

FROM ${CUDA_IMAGE}
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN useradd --system --uid 10001 --home-dir /var/lib/anneal --create-home anneal
COPY --from=build /app /app
WORKDIR /app
ENV NODE_ENV=production \
    TF_CPP_MIN_LOG_LEVEL=2 \
    ANNEAL_BACKEND=tensorflow-gpu \
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
CMD ["worker", "--queue", "gpu"]
