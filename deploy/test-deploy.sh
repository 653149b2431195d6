#!/usr/bin/env bash
# npm run test:deploy — the compose stack end to end: images built, the stack up and healthy (deploy/compose/up.sh),
# a quick fine-tune started from this machine's CLI against it and finished, then `docker-compose down`, which keeps
# the volumes (checked). Prints the image sizes. Needs a Docker engine; not part of `npm test` (image builds take
# long on two cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
compose=(docker-compose -f "$root/deploy/compose/docker-compose.yml" -p anneal)
bash "$root/deploy/compose/up.sh"
export TEMPORAL_ADDRESS="127.0.0.1:${ANNEAL_TEMPORAL_PORT:-17233}" MLFLOW_TRACKING_URI="http://127.0.0.1:${ANNEAL_MLFLOW_PORT:-15000}" \
  TEMPORAL_UI_URL="http://127.0.0.1:${ANNEAL_TEMPORAL_UI_PORT:-18233}"
started=$SECONDS
node "$root/packages/cli/bin/anneal.js" start "$root/examples/fine-tune-digits-quick.json"
echo "fine-tune against the compose stack finished in $((SECONDS - started)) s" >&2
"$root/.venv/bin/temporal" workflow list --address "$TEMPORAL_ADDRESS" --query "AnnealModel='digits-quick' AND AnnealStage='done'" --limit 1 | grep -q fineTune \
  || { echo "the pipeline is not listed by its search attributes" >&2; exit 1; }
"${compose[@]}" down
for v in temporal-data mlflow-data; do
  docker volume inspect "anneal_$v" > /dev/null || { echo "volume anneal_$v is gone after down" >&2; exit 1; }
done
echo "down: volumes kept ($(docker volume ls -q | grep -c '^anneal_'))" >&2
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^anneal-(worker|temporal|mlflow|base)' >&2
