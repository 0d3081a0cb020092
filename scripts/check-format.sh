#!/usr/bin/env bash
# Checks that every C++ file git tracks is formatted as .clang-format says (STYLE.md §14);
# prints the differences and fails otherwise. `scripts/check-format.sh --fix` formats them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || scripts/install-deps.sh  # clang-format
mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '/node_modules/')
if [ "${1:-}" = --fix ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
clang-format --dry-run --Werror "${files[@]}"
echo "check-format.sh: ${#files[@]} files formatted"
