# Sourced by the distribution benchmarks (boot.sh, swap.sh): a copy of the built distribution in
# a temporary directory, on free ports, stopped and deleted when the script ends.
# Defines: home, stop_all, console, boot.
src=distribution/target/assembly
[ -x "$src/bin/start" ] || { echo "$(basename "$0"): build the distribution first (./run.sh --background, or mvn -B install -DskipTests)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agentos-bench.XXXXXX")
home="$work/agentos"
cp -a "$src" "$home"
rm -rf "$home/data"
stop_all() {
  "$home/bin/stop" >/dev/null 2>&1
  for _ in $(seq 1 300); do pgrep -f "karaf.home=$home" >/dev/null || break; sleep 0.1; done
  pkill -9 -f "karaf.home=$home" 2>/dev/null
}
trap 'stop_all; rm -rf "$work"' EXIT

. bench/free-port.sh
set_prop() { # file key value
  local f="$home/$1"
  if grep -q "^[[:space:]]*$2[[:space:]]*=" "$f" 2>/dev/null; then
    sed -i "s|^[[:space:]]*$2[[:space:]]*=.*|$2 = $3|" "$f"
  else
    echo "$2 = $3" >>"$f"
  fi
}
set_prop etc/org.apache.karaf.shell.cfg sshPort "$(free_port)"
set_prop etc/org.apache.karaf.management.cfg rmiRegistryPort "$(free_port)"
set_prop etc/org.apache.karaf.management.cfg rmiServerPort "$(free_port)"
set_prop etc/org.ops4j.pax.web.cfg org.osgi.service.http.port "$(free_port)" # the MCP server and the web console

console() { "$home/bin/agentos-console" "$@"; }

# Seconds from bin/start to the first kernel:subsystems that answers.
boot() {
  local t0 t1
  t0=$(date +%s.%N)
  "$home/bin/start" >/dev/null 2>&1
  for _ in $(seq 1 3000); do
    if console kernel:subsystems 2>/dev/null | grep -q '^scheduler'; then
      t1=$(date +%s.%N)
      awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
      return 0
    fi
    if grep -q "BindException" "$home/data/log/karaf.log" 2>/dev/null; then
      echo "$(basename "$0"): a port of this copy was taken meanwhile (see $home/data/log/karaf.log); run again" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "$(basename "$0"): no answer within 150 s; see $home/data/log/karaf.log" >&2
  return 1
}
