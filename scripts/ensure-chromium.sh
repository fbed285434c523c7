#!/usr/bin/env bash
# The web view's tests drive a real browser: Debian's chromium and its chromedriver. Installs them
# (packages chromium, chromium-driver) when they are missing and this user may; otherwise says so,
# and the browser tests are skipped.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (the web view's browser tests)..." >&2
  if apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; }; then
    exit 0
  fi
fi
echo "note: chromium and chromedriver are not installed (apt-get install chromium chromium-driver):" \
     "the web view's browser tests are skipped" >&2
exit 0
