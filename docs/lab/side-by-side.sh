#!/usr/bin/env bash
# Runs SimBlock (built from its public source, never committed here) and
# `node lab run` on the same sizes, one after the other in one run, and
# prints wall and CPU seconds, node-blocks per second of wall time and peak
# memory (docs/PERFORMANCE.md, fork laboratory). Needs a JDK (javac, java)
# and GNU time.
#
#   docs/lab/side-by-side.sh /path/to/simblock [sizes...]
#
# SIMBLOCK is a checkout of github.com/dsg-titech/simblock; a size is
# NODESxBLOCKS (default: 1000x100 300x1000 1000x2016 10000x100). SimBlock
# runs its own defaults (10-minute blocks, its regional latencies and
# bandwidths, its random topology) with only the node count and the end
# height changed; the lab runs a random 8-regular graph with 100 ms links
# and 10-minute blocks, every node the real node code.
set -euo pipefail
simblock=${1:?usage: side-by-side.sh SIMBLOCK [NODESxBLOCKS...]}
shift
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000x100 300x1000 1000x2016 10000x100)
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/node" ./cmd/node)
printf '%-10s %-9s %8s %8s %14s %10s\n' size program wall_s cpu_s node-blocks/s max_rss_MB
for size in "${sizes[@]}"; do
  nodes=${size%x*} blocks=${size#*x}
  sb="$work/simblock-$size"
  mkdir -p "$sb/output/graph"
  cp -r "$simblock/simulator/src/main/java" "$sb/src"
  cp -r "$simblock/simulator/src/dist/conf" "$sb/conf"
  sed -i "s/NUM_OF_NODES = [0-9]*;/NUM_OF_NODES = $nodes;/; s/END_BLOCK_HEIGHT = [0-9]*;/END_BLOCK_HEIGHT = $blocks;/" \
    "$sb/src/simblock/settings/SimulationConfiguration.java"
  javac -nowarn -encoding UTF-8 -d "$sb/classes" $(find "$sb/src" -name '*.java') 2>/dev/null
  (cd "$sb" && /usr/bin/time -f '%e %U %S %M' -o "$sb/time" java -cp classes:conf simblock.simulator.Main >/dev/null 2>&1)
  read -r wall user sys rss <"$sb/time"
  awk -v s="$size" -v w="$wall" -v u="$user" -v y="$sys" -v r="$rss" -v nb="$((nodes * blocks))" \
    'BEGIN { printf "%-10s %-9s %8.2f %8.2f %14.0f %10.0f\n", s, "SimBlock", w, u + y, nb / w, r / 1024 }'
  echo "{\"nodes\": $nodes, \"topology\": {\"kind\": \"random-regular\", \"degree\": 8}, \"latency_ms\": 100, \"stop\": {\"blocks\": $blocks}}" >"$work/lab.json"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$work/node" lab run --config "$work/lab.json" --out "$work/out" --trace off 2>/dev/null
  read -r wall user sys rss <"$work/time"
  awk -v s="$size" -v w="$wall" -v u="$user" -v y="$sys" -v r="$rss" -v nb="$((nodes * blocks))" \
    'BEGIN { printf "%-10s %-9s %8.2f %8.2f %14.0f %10.0f\n", s, "node lab", w, u + y, nb / w, r / 1024 }'
done
