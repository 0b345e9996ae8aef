#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine with Node 20, as root:
# installs and starts what the suites need (idempotently), then runs every jest project.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/provision.sh

provision_all

echo "== type-check"
npx tsc --noEmit -p tsconfig.json

echo "== jest (unit, integration, e2e)"
results="$(mktemp -t strata-jest-XXXXXX.json)"
status=0
npx jest --runInBand --json --outputFile="$results" "$@" || status=$?
summarise_jest "$results"
exit "$status"
