#!/usr/bin/env bash
# Agent images are OCI image layouts, checked with the container world's own tools: skopeo (reads
# and copies an image, checking the digest of its config and of every layer), umoci (lists its tags)
# and oci-image-tool (validates index.json and every manifest). Installs them (Debian packages of
# those names) when missing and this user may; otherwise says which checks are skipped.
missing=()
for tool in skopeo umoci oci-image-tool; do
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
echo "note: ${missing[*]} not installed (apt-get install ${missing[*]}): the image tests skip the checks made with them" >&2
exit 0
