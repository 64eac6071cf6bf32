#!/usr/bin/env bash
# Cold-start benchmark of every function (results: BENCHMARKS.md, "Cold starts").
#   bench/coldstart.sh [--functions identity,platform,github-ingest,webhooks,workers] [--runs N] [--variants default,c1,c1-snap,c1-primed]
#                      [--compare LABEL=DIR] [--markdown FILE] ...
# Builds the bench module and the modules it needs (every function's shaded jar included; tests skipped) with `package`
# in one reactor, so nothing is installed into ~/.m2, then runs dev.gantry.bench.ColdStartBench: the local server starts
# in that JVM, and each event runs in fresh child JVMs on its function's shaded jar plus the bench invoker.
# `bench/coldstart.sh --help` lists the options. Set SKIP_BUILD=1 to reuse an existing build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

JAVA_HOME="$(./gantry java-home)"
export JAVA_HOME
if [ "${SKIP_BUILD:-}" != "1" ]; then
  ./mvnw -B -q -DskipTests package -pl bench -am   # bench and the modules it needs, every function jar included
fi
# Written by the bench module's maven-dependency-plugin (build-classpath) during `package`. In one reactor it names the
# sibling modules' target/classes directories, so the driver runs on this tree's code, not on ~/.m2's.
classpath_file=bench/target/bench.classpath
if [ ! -f "$classpath_file" ]; then
  echo "coldstart: $classpath_file is missing; run without SKIP_BUILD=1 to build it" >&2
  exit 2
fi
for fn in identity platform github-ingest webhooks workers; do
  if [ ! -f "functions/$fn/target/$fn.jar" ]; then
    echo "coldstart: functions/$fn/target/$fn.jar is missing; run without SKIP_BUILD=1 to build it" >&2
    exit 2
  fi
done
exec "$JAVA_HOME/bin/java" -cp "bench/target/classes:$(cat "$classpath_file")" dev.gantry.bench.ColdStartBench "$@"
