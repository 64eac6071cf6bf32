#!/usr/bin/env bash
# The GitHub webhook receiver through the local server (BENCHMARKS.md, "GitHub webhook receiver").
# Usage: bench/webhooks.sh [deliveries=3000] [pushes=300]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAVA_HOME=$(./gantry java-home)
export JAVA_HOME
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -q -DskipTests install -pl bench -am
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
"$JAVA_HOME/bin/java" -cp "$CP" dev.gantry.bench.webhooks.WebhookReceiverBench "$@"
