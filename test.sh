#!/usr/bin/env bash
# Runs every test: unit tests of each bundle, then the distribution tests (Pax Exam in the real
# Karaf assembly, and a restart of the assembly driven over ssh).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/java-17-openjdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
scripts/ensure-bubblewrap.sh
scripts/ensure-oci-tools.sh
scripts/ensure-chromium.sh
scripts/ensure-mcp-tools.sh >/dev/null
exec mvn -B -ntp verify "$@"
