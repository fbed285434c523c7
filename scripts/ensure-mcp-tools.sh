#!/usr/bin/env bash
# The MCP tests check the server with the protocol's own tools, from npm (Node.js is on these
# machines): the conformance suite and the inspector's command-line client; and the client side
# with the protocol's reference server, server-everything, whose tools an agent calls. Installs them, at
# versions that run on Node 20 (0.1.14 and later of the suite need Node 22), into
# ${AGENTOS_MCP_TOOLS:-$HOME/.cache/agentos/mcp-tools} once; prints that directory. Without node or
# npm (or the registry), says which tests are skipped and prints nothing.
set -u
dir="${AGENTOS_MCP_TOOLS:-$HOME/.cache/agentos/mcp-tools}"
packages=("@modelcontextprotocol/conformance@0.1.13" "@modelcontextprotocol/inspector-cli@1.0.3"
          "@modelcontextprotocol/server-everything@2026.8.31")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "note: node and npm are not installed: the MCP checks with the protocol's own tools are skipped" >&2
  exit 0
fi
stamp="$dir/.installed-$(printf '%s ' "${packages[@]}" | sha256sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  mkdir -p "$dir" && cd "$dir" || exit 0
  [ -f package.json ] || echo '{"name":"agentos-mcp-tools","private":true}' > package.json
  echo "installing ${packages[*]} into $dir (the MCP tests check the server with them)..." >&2
  if ! npm install --no-audit --no-fund --loglevel=error "${packages[@]}" >&2; then
    echo "note: npm could not install ${packages[*]}: the MCP checks with them are skipped" >&2
    exit 0
  fi
  # The inspector's CLI, published on its own, reads its version from ../package.json, a file that only
  # exists inside the inspector's own repository: give it one.
  echo '{"name":"@modelcontextprotocol/inspector","version":"1.0.3","type":"module"}' > node_modules/@modelcontextprotocol/package.json
  touch "$stamp"
fi
echo "$dir"
