#!/usr/bin/env bash
# Static checks of what deploy/ ships, for CI (no cluster can start here): the Helm chart linted and rendered with
# several value sets, every rendered object validated against Kubernetes' JSON schemas offline (kubernetes-validate,
# strict: unknown fields fail); the Dockerfiles linted by hadolint; the compose file parsed. Tools pinned: helm built
# from the Go module proxy into .anneal/tools, the Python ones into .venv-deploy from deploy/check-tools.lock.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.anneal/tools"
venv="$root/.venv-deploy"
helm_version=v3.19.0
chart="$root/deploy/helm/anneal-worker"

if [ ! -x "$tools/helm" ] || ! "$tools/helm" version --short | grep -q "$helm_version"; then
  echo "building helm $helm_version from the Go module proxy (a few minutes, once) ..." >&2
  GOBIN="$tools" go install "helm.sh/helm/v3/cmd/helm@$helm_version"
fi
lock="$root/deploy/check-tools.lock.txt"
if ! { [ -f "$venv/.lock" ] && cmp -s "$lock" "$venv/.lock"; }; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$lock"
  cp "$lock" "$venv/.lock"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The defaults; mutual TLS with a CA, an API key, MLflow credentials and autoscaling; a CPU-only training queue.
variants=(
  ""
  "--set temporal.tlsSecret=temporal-tls,temporal.tlsSecretHasCa=true,temporal.apiKeySecret=temporal-key,mlflow.credentialsSecret=mlflow-auth,autoscaling.enabled=true"
  "--set queues.training.gpu.enabled=false,queues.training.tolerations=null,queues.cpu.replicas=3,env.ANNEAL_BACKEND=tensorflow"
)
for i in "${!variants[@]}"; do
  # shellcheck disable=SC2086
  "$tools/helm" lint --strict "$chart" ${variants[$i]} > "$out/lint-$i.txt" || { cat "$out/lint-$i.txt" >&2; exit 1; }
  # shellcheck disable=SC2086
  "$tools/helm" template anneal "$chart" ${variants[$i]} > "$out/rendered-$i.yaml"
  "$venv/bin/kubernetes-validate" --strict --quiet "$out/rendered-$i.yaml"
  echo "chart, values ${i}: lint ok, $(grep -c '^kind:' "$out/rendered-$i.yaml") objects valid" >&2
done
"$venv/bin/hadolint" "$root"/deploy/docker/*.Dockerfile
echo "Dockerfiles: hadolint ok" >&2
if command -v docker-compose > /dev/null; then
  docker-compose -f "$root/deploy/compose/docker-compose.yml" config -q
  echo "compose file: ok" >&2
fi
