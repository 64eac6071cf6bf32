#!/usr/bin/env bash
# Outbound webhooks through the local server (BENCHMARKS.md, "Outbound webhooks").
# Needs the local server's emulators (as bench/webhooks.sh). Usage below.
# Usage: bench/webhook-delivery.sh [events=5] [relayEvents=500] [requests=2000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAVA_HOME=$(./gantry java-home)
export JAVA_HOME
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -q -DskipTests install -pl bench -am
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
"$JAVA_HOME/bin/java" -cp "$CP" dev.gantry.bench.webhooks.WebhookDeliveryBench "$@"
