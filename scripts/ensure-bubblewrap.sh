#!/usr/bin/env bash
# The Linux HAL confines shell.exec with bubblewrap (namespaces) when it is installed. Installs it
# (Debian package bubblewrap) when it is missing and this user may; otherwise says what is off.
if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing bubblewrap (the Linux HAL's sandbox for shell.exec)..." >&2
  if apt-get install -y -qq bubblewrap >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }; then
    exit 0
  fi
fi
echo "note: bubblewrap is not installed (apt-get install bubblewrap): shell.exec runs with rlimits and" \
     "timeouts but without namespaces, and the sandbox tests that need namespaces are skipped" >&2
exit 0
