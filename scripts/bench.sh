#!/usr/bin/env bash
# npm run bench:<name>: provisions like the test command, then runs test/bench/<name>.bench.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/provision.sh
name=${1:?usage: scripts/bench.sh <name>}
provision_all
exec node --expose-gc -r @swc-node/register "test/bench/${name}.bench.ts"
