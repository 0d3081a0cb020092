#!/usr/bin/env bash
# Installs what tests/node needs: Node.js and npm, the tools aws-lambda-ric builds its native
# part with (autoconf automake libtool cmake g++ make python3), all Debian packages, then the
# locked npm packages (`npm ci`) in tests/node. Safe to run again: does nothing that is done.
# tests/CMakeLists.txt registers the Node tests only once this has succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(autoconf automake libtool cmake g++ make python3)
# Debian's nodejs and npm, unless node and npm are there already (NodeSource's nodejs, for one,
# carries its own npm and conflicts with Debian's).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cd tests/node
stamp=node_modules/.longhaul-installed
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
rm -f "$stamp"
npm ci --no-audit --no-fund
echo "$want" > "$stamp"
