#!/usr/bin/env bash
# Quick start, command 2: runs every test. Installs what the tests need (SoftHSM2, OpenSC,
# NSS tools, GnuTLS, OpenSSL and its PKCS#11 engine, gpgsm, prlimit) when missing, builds
# everything, runs all unit, SoftHSM2 and end-to-end tests, checks the container recipe
# against the built distribution, then runs the quick-start demo (scripts/demo.sh) as a
# smoke test of command 1. .ci/run calls this script.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/softhsm-config/install-deps.sh" --test
mvn -B verify

echo "== Container recipe against the built distribution (no engine here to build the image)"
"$root/scripts/check-container-recipe.sh"

echo "== Smoke test of the quick-start demo (scripts/demo.sh --no-wait)"
demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
SMIMED_DEMO_DIR="$demo_dir" SMIMED_DEMO_PORT=$((20000 + RANDOM % 20000)) \
  "$root/scripts/demo.sh" --no-wait
echo "demo smoke test: 1 passed, 0 failed"
