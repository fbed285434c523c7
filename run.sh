#!/usr/bin/env bash
# Builds Agent OS and starts its Karaf distribution with the demo workload.
#
#   ./run.sh               build, then run Karaf in the foreground with its console
#                          (try agent:ps; leave with 'shutdown -f' or Ctrl-D)
#   ./run.sh --background  build, start Karaf in the background and show the process table;
#                          stop it with distribution/target/assembly/bin/stop
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/java-17-openjdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
scripts/ensure-bubblewrap.sh
# style.color=never: with -q, Maven 3.8 still prints a stray ESC[0m (colour reset) per module
mvn -B -ntp -q -Dstyle.color=never -DskipTests install
home=distribution/target/assembly
if [ "${1:-}" != "--background" ]; then
  exec "$home/bin/karaf"
fi
"$home/bin/start"
for _ in $(seq 1 90); do
  if out=$("$home/bin/agentos-console" 'agent:ps -n 15' 2>/dev/null); then
    echo "$out"
    echo
    echo "Agent OS is running. Console: $home/bin/agentos-console   Stop: $home/bin/stop"
    exit 0
  fi
  sleep 1
done
echo "Agent OS did not answer on its console within 90 s; see $home/data/log/karaf.log" >&2
exit 1
