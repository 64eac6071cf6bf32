#!/usr/bin/env bash
# Cold-start benchmark of the identity function (results: BENCHMARKS.md).
#   bench/coldstart.sh [--runs N] [--warmup N] [--breakdown-runs N] [--variants default,c1] [--markdown FILE] ...
# Builds the bench module and the modules it needs (tests skipped), then runs dev.gantry.bench.ColdStartBench: the local server starts in
# that JVM, and each event runs in fresh child JVMs on the function's shaded jar plus the bench invoker.
# `bench/coldstart.sh --help` lists the options. Set SKIP_BUILD=1 to reuse an existing build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

JAVA_HOME="$(./gantry java-home)"
export JAVA_HOME
if [ "${SKIP_BUILD:-}" != "1" ]; then
  ./mvnw -B -q -DskipTests install -pl bench -am   # bench and the modules it needs (function jar included)
fi
# Written by the bench module's maven-dependency-plugin (build-classpath) during `package`.
classpath_file=bench/target/bench.classpath
if [ ! -f "$classpath_file" ]; then
  echo "coldstart: $classpath_file is missing; run without SKIP_BUILD=1 to build it" >&2
  exit 2
fi
exec "$JAVA_HOME/bin/java" -cp "bench/target/classes:$(cat "$classpath_file")" dev.gantry.bench.ColdStartBench "$@"
