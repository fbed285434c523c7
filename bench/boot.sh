#!/usr/bin/env bash
# Boot time of the Agent OS distribution, as a user meets it: from bin/start to a console that
# answers an Agent OS command (kernel:subsystems through bin/agentos-console).
#
#   bench/boot.sh [agents...]      default: 10000 100000
#
# Works on a copy of distribution/target/assembly (build it first: ./run.sh --background or
# mvn -B install -DskipTests) in a temporary directory, on free ports. Measures:
#   demo      warm boots with the demo workload (3 runs after a first boot that fills the caches)
#   N agents  after spawning N more counters ({"sleepMs":1000}): a boot after a clean bin/stop,
#             and a boot after kill -9
# Prints one line per boot and a summary. Leaves nothing running and deletes the copy.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/java-17-openjdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
. bench/distribution-copy.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

summary=()
boot >/dev/null || exit 1 # the first boot resolves the features and fills data/
stop_all
runs=()
for i in 1 2 3; do
  s=$(boot) || exit 1
  echo "demo, warm boot $i: $s s"
  runs+=("$s")
  stop_all
done
summary+=("demo: ${runs[*]} s")

for n in "${sizes[@]}"; do
  boot >/dev/null || exit 1
  console "config:property-set -p org.agentos.kernel maxProcessesPerOwner 0" >/dev/null # one owner, N agents
  console "agent:spawn -o boot --count $n counter '{\"sleepMs\":1000}'" >/dev/null || { echo "boot.sh: spawn failed" >&2; exit 1; }
  restored=$(console "agent:ps --count" 2>/dev/null | tr -d '\r' | tail -n 1)
  stop_all
  s=$(boot) || exit 1
  echo "$n agents ($restored), after bin/stop: $s s"
  summary+=("$n agents after bin/stop: $s s")
  pkill -9 -f "karaf.home=$home"
  sleep 1
  s=$(boot) || exit 1
  echo "$n agents, after kill -9: $s s"
  summary+=("$n agents after kill -9: $s s")
  console "agent:kill -o boot --force" >/dev/null 2>&1
  stop_all
done
printf '%s\n' "${summary[@]}"
