#!/usr/bin/env bash
# Builds the base image the Dockerfiles default to where no image registry is reachable: a minimal Debian trixie
# root filesystem made by debootstrap from the Debian mirror, imported as a local image. Trixie's Node.js (20.19)
# is new enough for the Temporal SDK (20.3+); bookworm's is not. Idempotent: an existing image is kept.
# Usage: bash deploy/docker/build-base.sh [image tag, default anneal-base:trixie]
set -euo pipefail
tag="${1:-anneal-base:trixie}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if docker image inspect "$tag" > /dev/null 2>&1; then
  echo "$tag is already built" >&2
  exit 0
fi
command -v debootstrap > /dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
root="$(mktemp -d)"
echo "debootstrap trixie from $mirror into $root (a few minutes) ..." >&2
log="$root.log"
trap 'rm -rf "$root" "$log"' EXIT
debootstrap --variant=minbase trixie "$root" "$mirror" > "$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
# Node.js and npm through apt inside the new root (debootstrap's --include does not resolve npm's many dependencies).
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" apt-get update -q > "$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates nodejs npm > "$log" 2>&1 || {
  tail -20 "$log" >&2
  exit 1
}
chroot "$root" apt-get clean
: > "$root/etc/resolv.conf"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$tag" > /dev/null
echo "built $tag ($(docker image inspect "$tag" --format '{{.Size}}') bytes)" >&2
