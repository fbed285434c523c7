#!/usr/bin/env bash
# The scheduler swap pause where users swap: in the distribution, under load.
#
#   bench/swap.sh [agents] [swaps]      default: 100000 agents, 6 swaps
#
# On a copy of distribution/target/assembly (build it first) on free ports: installs the fair and
# priority schedulers, binds fair, spawns the agents (example counters {"limit":0,"sleepMs":200},
# far more work than 2 cores do, so nearly all are runnable), lets them run 20 s, then swaps
# priority <-> fair with kernel:swap and prints each swap as kernel:subsystems reports it
# ("paused X ms of Y ms": the longest single pick or enqueue during the swap, and the whole
# hand-over). Leaves nothing running and deletes the copy.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/java-17-openjdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
. bench/distribution-copy.sh
agents=${1:-100000}
swaps=${2:-6}

last_swap() { console kernel:subsystems 2>/dev/null | tr -d '\r' | grep -o 'last swap [a-z-]* -> [a-z-]*: [^;|]*paused [0-9.]* ms of [0-9.]* ms'; }

boot >/dev/null || exit 1
console "feature:install agentos-scheduler-fair agentos-scheduler-priority" >/dev/null || exit 1
console "kernel:swap scheduler fair" >/dev/null || exit 1
for _ in $(seq 1 100); do last_swap | grep -q -- '-> fair' && break; sleep 0.2; done
console "config:property-set -p org.agentos.kernel maxProcessesPerOwner 0" >/dev/null # one owner, N agents
console "agent:spawn -o load --count $agents counter '{\"limit\":0,\"sleepMs\":200}'" | tail -n 1
sleep 20
console "agent:ps --summary" 2>/dev/null | tr -d '\r' | head -n 8
target=priority
for i in $(seq 1 "$swaps"); do
  before=$(last_swap)
  console "kernel:swap scheduler $target" >/dev/null || exit 1
  for _ in $(seq 1 300); do
    now=$(last_swap)
    [ "$now" != "$before" ] && echo "$now" | grep -q -- "-> $target" && break
    sleep 0.2
  done
  echo "swap $i: $now"
  if [ "$target" = priority ]; then target=fair; else target=priority; fi
  sleep 5
done
