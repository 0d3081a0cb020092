#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install, build, and run the server on the
# embedded store (SQLite in ./data) with examples/longhaul.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec ./build/longhaul serve --config "${1:-examples/longhaul.yaml}"
