#!/usr/bin/env bash
# Three installations on one machine as one cluster (loopback, free ports): what the cluster
# costs, beside the same things on one node in the same run.
#
#   bench/cluster.sh [spawns] [sends]      defaults 10000, 5000
#
# Works on three copies of distribution/target/assembly (build it first: ./run.sh --background
# or mvn -B install -DskipTests) in a temporary directory. Measures:
#   join        feature:install agentos-cluster on the third node to all three nodes up there
#   spawn       --count <spawns> counters: on this node; --node of another node; three nodes at once
#   move        agent:move of a small agent (a counter), three times; of an agent with 100 MiB of
#               memory (a notebook with 100 MiB of ballast), beside agent:checkpoint of it alone
#   ipc.send    <sends> messages, one per step, by a producer on n1 to n1's queue, and by one on n2
#               to the same queue (each a call to n1)
#   drain       cluster:drain of a node with 200 counters more than its demo
#   detection   kill -9 of a node to the others' cluster:nodes no longer showing it
#   takeover    kill -9 of a node to its counter going on elsewhere (images every 2 s)
# Prints one line per measurement. Leaves nothing running and deletes the copies.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/java-17-openjdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
spawns=${1:-10000}
sends=${2:-5000}
src=distribution/target/assembly
[ -x "$src/bin/start" ] || { echo "cluster.sh: build the distribution first (./run.sh --background, or mvn -B install -DskipTests)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agentos-cluster-bench.XXXXXX")
nodes=(n1 n2 n3)
stop_all() {
  for n in "${nodes[@]}"; do "$work/$n/bin/stop" >/dev/null 2>&1; done
  for _ in $(seq 1 300); do pgrep -f "karaf.home=$work/" >/dev/null || break; sleep 0.1; done
  pkill -9 -f "karaf.home=$work/" 2>/dev/null
}
trap 'stop_all; rm -rf "$work"' EXIT

. bench/free-port.sh
set_prop() { # node file key value
  local f="$work/$1/$2"
  if grep -q "^[[:space:]]*$3[[:space:]]*=" "$f" 2>/dev/null; then sed -i "s|^[[:space:]]*$3[[:space:]]*=.*|$3 = $4|" "$f"; else echo "$3 = $4" >>"$f"; fi
}
c() { local n=$1; shift; "$work/$n/bin/agentos-console" "$@"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
wait_for() { # seconds command...
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.1; done
}
wait_quietly() { # seconds command...: once a second, so that the console's own JVM does not take the cores being measured
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 1; done
}
ports=()
for n in "${nodes[@]}"; do ports+=("$(free_port)"); done
members="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
for i in 0 1 2; do
  n=${nodes[$i]}
  cp -a "$src" "$work/$n" && rm -rf "$work/$n/data"
  set_prop "$n" etc/org.apache.karaf.shell.cfg sshPort "$(free_port)"
  set_prop "$n" etc/org.apache.karaf.management.cfg rmiRegistryPort "$(free_port)"
  set_prop "$n" etc/org.apache.karaf.management.cfg rmiServerPort "$(free_port)"
  set_prop "$n" etc/org.ops4j.pax.web.cfg org.osgi.service.http.port "$(free_port)"
  set_prop "$n" etc/org.agentos.demo.cfg processes 10
  set_prop "$n" etc/org.agentos.cluster.cfg node.name "$n"
  set_prop "$n" etc/org.agentos.cluster.cfg port "${ports[$i]}"
  set_prop "$n" etc/org.agentos.cluster.cfg members "$members"
  set_prop "$n" etc/org.agentos.cluster.cfg failureDetectionSeconds 5
  set_prop "$n" etc/org.agentos.cluster.cfg publishSeconds 1
  set_prop "$n" etc/org.agentos.cluster.cfg replicateSeconds 2
  set_prop "$n" etc/org.agentos.memory.hierarchical.cfg processQuotaBytes $((200 << 20))
  set_prop "$n" etc/org.agentos.kernel.cfg maxProcessesPerOwner 0
  "$work/$n/bin/start" >/dev/null 2>&1
done
for n in "${nodes[@]}"; do
  wait_for 180 bash -c "'$work/$n/bin/agentos-console' kernel:subsystems 2>/dev/null | grep -q '^scheduler'" || { echo "cluster.sh: $n did not start" >&2; exit 1; }
done
c n1 "feature:install agentos-cluster" >/dev/null && c n2 "feature:install agentos-cluster" >/dev/null
up() { [ "$(c "$1" cluster:nodes 2>/dev/null | grep -c ' up ')" -ge "$2" ]; }
wait_for 120 up n1 2 || { echo "cluster.sh: n1 and n2 did not form a cluster" >&2; exit 1; }
t=$(now)
c n3 "feature:install agentos-cluster" >/dev/null
wait_for 120 up n3 3 || { echo "cluster.sh: n3 did not join" >&2; exit 1; }
echo "join: feature:install on n3 to 3 nodes up there: $(since "$t") s"

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f/s (%.2f s)", n / s, s }'; }
t=$(now); c n1 "agent:spawn -o local --count $spawns counter '{\"sleepMs\":1000}'" >/dev/null; s=$(since "$t")
echo "spawn $spawns on this node (n1): $(rate "$spawns" "$s")"
t=$(now); c n1 "agent:spawn --node n2 -o remote --count $spawns counter '{\"sleepMs\":1000}'" >/dev/null; s=$(since "$t")
echo "spawn $spawns on another node (n1 --node n2): $(rate "$spawns" "$s")"
third=$((spawns / 3))
t=$(now)
for n in "${nodes[@]}"; do c "$n" "agent:spawn -o spread --count $third counter '{\"sleepMs\":1000}'" >/dev/null & done
wait
s=$(since "$t")
echo "spawn $((third * 3)) across three nodes at once ($third each): $(rate $((third * 3)) "$s")"
echo "processes: $(c n1 'agent:ps --cluster --count' | tr -d '\r' | tail -n 1) in the cluster"
for o in local remote spread; do for n in "${nodes[@]}"; do c "$n" "agent:kill -o $o --force" >/dev/null 2>&1; done; done

c n1 "ipc:create -d at-least-once -c $((sends * 2 + 10)) -m sender bench" >/dev/null
exited() { c "$1" "agent:info $2" 2>/dev/null | grep -q EXITED; }
for n in n1 n2; do
  pid=$(c "$n" "agent:spawn -o sender -c 'ipc:send:bench' producer '{\"queue\":\"bench\",\"count\":$sends}'" | grep -o 'pid [0-9]*' | tr -dc 0-9)
  wait_quietly 600 exited "$n" "$pid" || { echo "cluster.sh: the producer on $n did not finish" >&2; exit 1; }
  info=$(c "$n" "agent:info $pid")
  s=$(echo "$info" | grep -o 'wall [0-9]* ms' | head -n 1 | awk '{ printf "%.3f", $2 / 1000 }') # the producer's own wall time
  where=$([ "$n" = n1 ] && echo "on the queue's node (n1)" || echo "from n2 to n1's queue")
  echo "ipc.send $sends messages, one per step, $where: $(rate "$sends" "$s") ($(echo "$info" | grep -o 'sent [0-9]* jobs'))"
done
c n1 "ipc:delete bench" >/dev/null

for i in 1 2 3; do
  pid=$(c n1 "agent:spawn -o moving counter '{\"limit\":0,\"sleepMs\":100}'" | grep -o 'pid [0-9]*' | tr -dc 0-9)
  sleep 1
  t=$(now); out=$(c n1 "agent:move $pid n2"); s=$(since "$t")
  echo "move a counter n1 -> n2 ($i): $s s at the console; the move itself: $(echo "$out" | grep -o '[0-9,]* bytes of image, [^)]*')"
done
pid=$(c n1 "agent:spawn -o alice -c 'fs:*:/home/alice/big/**' notebook '{\"dir\":\"/home/alice/big\",\"limit\":2,\"ballastMiB\":100}'" | grep -o 'pid [0-9]*' | tr -dc 0-9)
wait_for 120 bash -c "'$work/n1/bin/agentos-console' 'agent:info $pid' | grep -q 'waiting on   ipc.recv'" || { echo "cluster.sh: the notebook did not fill its memory" >&2; exit 1; }
t=$(now); c n1 "agent:checkpoint -o $work/alone $pid" >/dev/null; s=$(since "$t")
echo "agent:checkpoint alone of the 100 MiB agent on n1: $s s ($(du -sh "$work/alone" | cut -f1))"
t=$(now); out=$(c n1 "agent:move $pid n2"); s=$(since "$t")
echo "move the 100 MiB agent n1 -> n2: $s s at the console; the move itself: $(echo "$out" | grep -o '[0-9,]* bytes of image, [^)]*')"

c n2 "agent:spawn -o draining --count 200 counter '{\"limit\":0,\"sleepMs\":1000}'" >/dev/null
n=$(c n2 "agent:ps --count" | tr -d '\r' | tail -n 1)
t=$(now); out=$(c n1 "cluster:drain n2"); s=$(since "$t")
echo "drain n2 ($n processes, 4 moves at once): $s s: $(echo "$out" | tail -n 1)"
echo "$out" | grep stayed | grep -v '^drained' | head -n 3 | sed 's/^/  /'

lost=$(c n3 "agent:spawn -o survivor counter '{\"limit\":0,\"sleepMs\":100}'" | grep -o 'pid [0-9]*' | tr -dc 0-9)
kept() { c n1 cluster:images 2>/dev/null | grep -Eq "^n3 +$lost "; }
wait_for 60 kept || { echo "cluster.sh: no image of n3's counter was kept" >&2; exit 1; }
t=$(now)
pkill -9 -f "karaf.home=$work/n3" 2>/dev/null
gone() { ! c n1 cluster:nodes 2>/dev/null | grep -q ' n3 '; }
wait_for 120 gone && echo "detection: kill -9 of n3 to n1 no longer listing it: $(since "$t") s (failureDetectionSeconds 5)"
restarted() { for n in n1 n2; do c "$n" "kernel:audit --name cluster.takeover -n 100000" 2>/dev/null | grep -q "pid $lost (counter" && return 0; done; return 1; }
wait_for 120 restarted && echo "takeover: kill -9 of n3 to its counter restarted on another node: $(since "$t") s"
all_taken() { ! c n1 cluster:images 2>/dev/null | grep -Eq '^n3 '; }
wait_for 300 all_taken && echo "takeover: kill -9 of n3 to all its agents restarted elsewhere: $(since "$t") s ($(for n in n1 n2; do c "$n" "kernel:audit --name cluster.takeover -n 100000" 2>/dev/null; done | grep -c 'of node n3 restarted') agents)"
