#!/usr/bin/env bash
# Authentication cost per request (BENCHMARKS.md, "Authentication"): AWS calls per request, then JMH.
# Usage: bench/auth.sh [JMH options, e.g. -f 1 -wi 3 -i 5]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
JAVA_HOME=$(./gantry java-home)
export JAVA_HOME
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -q -DskipTests install -pl bench -am
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
"$JAVA_HOME/bin/java" -cp "$CP" dev.gantry.bench.auth.AuthBench calls
"$JAVA_HOME/bin/java" -cp "$CP" dev.gantry.bench.auth.AuthBench dev.gantry.bench.auth.AuthBench "$@"
