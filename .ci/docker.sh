#!/usr/bin/env bash
# CI: builds the image (Dockerfile) and checks that it becomes healthy through its own
# HEALTHCHECK (`understudy healthcheck`), runs as a non-root user, and serves a vendor on the
# published port. Where no Docker daemon answers it prints "skipped: no Docker daemon" and
# exits 0; nothing else in CI depends on the image.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "skipped: no Docker daemon"
  exit 0
fi

image="understudy:ci-$$"
name="understudy-ci-$$"
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker rmi "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== docker build"
started=$SECONDS
docker build --tag "$image" .
echo "   built in $((SECONDS - started)) s"

user=$(docker image inspect --format '{{.Config.User}}' "$image")
case "$user" in
  "" | root | 0 | 0:*) echo "the image runs as root ($user)" >&2; exit 1 ;;
esac

echo "== docker run, until the HEALTHCHECK says healthy"
docker run --detach --name "$name" --publish 127.0.0.1::4010 "$image" >/dev/null
status=starting
for _ in $(seq 1 60); do
  status=$(docker inspect --format '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  if [ "$(docker inspect --format '{{.State.Running}}' "$name")" != true ]; then
    break
  fi
  sleep 1
done
if [ "$status" != healthy ]; then
  echo "the container is not healthy ($status)" >&2
  docker logs "$name" >&2 || true
  exit 1
fi

echo "== the health check command, and a vendor call through the published port"
docker exec "$name" /usr/local/bin/understudy healthcheck
port=$(docker port "$name" 4010/tcp | head -n 1 | sed 's/.*://')
curl -fsS -o /dev/null -H 'Authorization: Bearer ak_live_northwind_4f9c2e7a' \
  "http://127.0.0.1:$port/autokonnect/api/v1/contacts?limit=1"
echo "image: healthy, runs as $user, serves on 4010"
