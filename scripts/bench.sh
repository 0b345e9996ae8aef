#!/usr/bin/env bash
# npm run bench:<name>: provisions like the test command, then runs test/bench/<name>.bench.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/provision.sh
name=${1:?usage: scripts/bench.sh <name>}
provision_packages
start_postgres
start_nats
install_node_modules
export TEST_DATABASE_URL="postgres://strata:strata@127.0.0.1:${PGPORT_TEST}/postgres"
export TEST_NATS_URL="nats://127.0.0.1:${NATS_PORT_TEST}"
exec node --expose-gc -r @swc-node/register "test/bench/${name}.bench.ts"
