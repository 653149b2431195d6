#!/usr/bin/env bash
# Builds the images and starts deploy/compose/docker-compose.yml, then waits until every service is healthy
# (docker-compose 1.29, Debian's, has no `up --wait`). The base image: ANNEAL_BASE_IMAGE, else the official Node.js
# image when Docker has or can pull it, else one built from the Debian mirror (deploy/docker/build-base.sh).
# A proxy's CA for the builds: ANNEAL_BUILD_CA=<PEM bundle> (copied into deploy/docker/ca/, never committed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
compose=(docker-compose -f "$root/deploy/compose/docker-compose.yml" -p anneal)
docker info > /dev/null 2>&1 || { echo "no Docker engine answers (start dockerd, or install Debian's docker.io)" >&2; exit 1; }

if [ -z "${ANNEAL_BASE_IMAGE:-}" ]; then
  if docker image inspect node:20-bookworm-slim > /dev/null 2>&1 || docker pull -q node:20-bookworm-slim > /dev/null 2>&1; then
    export ANNEAL_BASE_IMAGE=node:20-bookworm-slim
  else
    echo "no image registry reachable: building the base image from the Debian mirror" >&2
    bash "$root/deploy/docker/build-base.sh" anneal-base:trixie
    export ANNEAL_BASE_IMAGE=anneal-base:trixie
  fi
fi
[ -z "${ANNEAL_BUILD_CA:-}" ] || cp "$ANNEAL_BUILD_CA" "$root/deploy/docker/ca/build-ca.crt"

# The classic builder: Debian's Docker 20.10 client has no buildx, and these Dockerfiles need nothing BuildKit adds.
DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0 "${compose[@]}" build
"${compose[@]}" up -d
services=(temporal mlflow worker-cpu worker-training)
deadline=$((SECONDS + ${ANNEAL_COMPOSE_TIMEOUT:-300}))
for s in "${services[@]}"; do
  while :; do
    id="$("${compose[@]}" ps -q "$s")"
    status="$(docker inspect --format '{{.State.Health.Status}}' "$id" 2>/dev/null || echo missing)"
    [ "$status" = healthy ] && break
    if [ "$SECONDS" -gt "$deadline" ]; then
      echo "$s is $status after ${ANNEAL_COMPOSE_TIMEOUT:-300} s:" >&2
      "${compose[@]}" logs --tail 30 "$s" >&2
      exit 1
    fi
    sleep 3
  done
  echo "$s healthy" >&2
done
echo "Temporal 127.0.0.1:${ANNEAL_TEMPORAL_PORT:-17233} (UI http://127.0.0.1:${ANNEAL_TEMPORAL_UI_PORT:-18233}), MLflow http://127.0.0.1:${ANNEAL_MLFLOW_PORT:-15000}" >&2
