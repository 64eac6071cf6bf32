#!/usr/bin/env bash
# Rate limiter benchmark (results: BENCHMARKS.md, "Rate limiter").
#   bench/limiter/run.sh [--warmup S] [--iterations N] [--seconds S] [--threads N] [--markdown FILE]
# Builds bench/limiter and the modules it needs (tests skipped), then runs dev.gantry.bench.limiter.LimiterBench:
# DynamoDB Local starts inside that JVM, and Gantry's limiter, a raw UpdateItem and Bucket4j's DynamoDB integration
# are measured side by side. `bench/limiter/run.sh --help` lists the options. SKIP_BUILD=1 reuses an existing build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

JAVA_HOME="$(./gantry java-home)"
export JAVA_HOME
if [ "${SKIP_BUILD:-}" != "1" ]; then
  ./mvnw -B -q -DskipTests install -pl bench/limiter -am
fi
classpath_file=bench/limiter/target/bench.classpath
if [ ! -f "$classpath_file" ]; then
  echo "limiter bench: $classpath_file is missing; run without SKIP_BUILD=1 to build it" >&2
  exit 2
fi
exec "$JAVA_HOME/bin/java" -Xms1g -Xmx1g -cp "bench/limiter/target/classes:$(cat "$classpath_file")" dev.gantry.bench.limiter.LimiterBench "$@"
