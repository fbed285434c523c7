# Sourced by the distribution benchmarks: free_port prints a TCP port nothing listens on now.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
