#!/usr/bin/env bash
# Starts Debian's redis-server on 127.0.0.1:6379 (daemonized, as the `redis` user) for the BullMQ scheduler tests.
# Idempotent: installs the package only when missing, starts the server only when nothing answers.
#
# Needs root. Diagnostics go to stderr; stdout is only the variable the tests read:
#   eval "$(bash scripts/services/redis.sh)"
set -euo pipefail

PORT="${TICKETBRIDGE_REDIS_PORT:-6379}"
URL="redis://127.0.0.1:${PORT}"

log() { echo "services/redis: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "run as root (it installs packages and starts redis-server as the redis user)"
  exit 1
fi

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  log "installing redis-server"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools >&2
fi

if [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" != PONG ]; then
  log "starting redis-server on 127.0.0.1:${PORT}"
  user=redis
  id -u "$user" >/dev/null 2>&1 || user=root
  install -d -o "$user" /var/lib/redis /var/log/redis /run/redis
  # No persistence: test data only. noeviction is what BullMQ requires (an evicted job key breaks its queues).
  runuser -u "$user" -- redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" \
    --dir /var/lib/redis --logfile "/var/log/redis/ticketbridge-${PORT}.log" --pidfile "/run/redis/ticketbridge-${PORT}.pid" \
    --save '' --appendonly no --maxmemory-policy noeviction >&2
fi

for _ in $(seq 1 60); do
  [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = PONG ] && break
  sleep 0.5
done
[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = PONG ] || { log "redis-server does not answer on 127.0.0.1:${PORT}"; exit 1; }
log "ready: $(redis-cli -h 127.0.0.1 -p "$PORT" info server | grep -m1 redis_version | tr -d '\r') on 127.0.0.1:${PORT}"
echo "export TICKETBRIDGE_REDIS_URL=${URL}"
