#!/usr/bin/env bash
# Agent images are OCI image layouts, checked with the container world's own tools: skopeo (reads
# and copies an image, checking every blob's digest) and umoci. Installs them (Debian packages)
# when missing and this user may; otherwise says which tests are skipped.
missing=()
for tool in skopeo umoci; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (the OCI tools the image tests check images with)..." >&2
  if apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }; then
    exit 0
  fi
fi
echo "note: ${missing[*]} not installed (apt-get install ${missing[*]}): the tests that check images with them are skipped" >&2
exit 0
