#!/usr/bin/env bash
# Sampling throughput on Spark against the plain launcher, and Spark's overhead per job.
# Trains a small flow-matching MLP once (two Gaussians, 128 wide, 3 deep), then draws the same
# COUNT samples (reverse SDE, STEPS steps, batches of BATCH) four ways: the plain launcher with
# --threads 1 and with all cores, and 'sample --spark local[1]' and 'local[2]' (one task per core,
# each task's backend on one thread). Checks that every file is byte-identical to the first, and
# prints a Markdown table: wall time of the launcher process, samples per second, and where a
# Spark job's time went (context start; per task plugin loading, checkpoint + pipeline, sampling,
# each summed over the tasks).
#
# usage: examples/spark-bench.sh [OUT_DIR]   (default ./spark-bench; needs SPARK_HOME)
# Environment: COUNT (20000), BATCH (1000), STEPS (200), MASTERS ("local[1] local[2]").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
d4j="$here/../bin/diffusion4j"
out=${1:-spark-bench}
count=${COUNT:-20000}
batch=${BATCH:-1000}
steps=${STEPS:-200}
masters=${MASTERS:-"local[1] local[2]"}
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4 installation}"
mkdir -p "$out"
cd "$out"
cat > bench.yaml <<YAML
name: spark-bench
seed: 3
dataset:          {name: two-gaussians, count: 4000}
schedule:         {name: flow-matching.linear}
parameterization: {name: flow-matching.velocity}
network:          {name: mlp, width: 128, depth: 3}
loss:             {name: flow-matching.cfm}
training:         {lr: 0.002, batch-size: 256, steps: 300, checkpoint-every: 300}
samplers:
  sde: {name: flow-matching.sde, steps: $steps}
sampling:         {count: $count, batch-size: $batch}
YAML
[ -f run/checkpoint.safetensors ] || "$d4j" train --spec bench.yaml --out run > /dev/null 2> train.log
rm -f s-*.csv s-*.png s-*.json s-*.log

now() { date +%s.%N; }
rows=()
run() {   # name, args...
  local name=$1; shift
  local t0 t1
  t0=$(now)
  "$d4j" sample --checkpoint run --out "s-$name.csv" "$@" 2> "s-$name.log"
  t1=$(now)
  rows+=("$name|$(python3 -c "print('%.2f' % ($t1 - $t0))")|$(python3 -c "print('%.0f' % ($count / ($t1 - $t0)))")")
  if [ "$name" != plain-1-thread ]; then cmp -s s-plain-1-thread.csv "s-$name.csv" || { echo "s-$name.csv differs" >&2; exit 1; }; fi
}
run plain-1-thread --threads 1
run plain-all-cores
for m in $masters; do run "spark-$m" --spark "$m"; done

echo "| run | wall s | samples/s | context start s | tasks | plugins s | checkpoint + pipeline s | sampling s |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r name wall rate <<< "$r"
  log="s-$name.log"
  ctx=$(sed -n 's/^spark: context on .* started in \([0-9.]*\) s.*/\1/p' "$log")
  tasks=$(sed -n 's/^spark: \([0-9]*\) tasks: plugins.*/\1/p' "$log")
  plug=$(sed -n 's/.* tasks: plugins \([0-9.]*\) s.*/\1/p' "$log")
  ckpt=$(sed -n 's/.*checkpoint and pipeline \([0-9.]*\) s.*/\1/p' "$log")
  samp=$(sed -n 's/.*, sampling \([0-9.]*\) s (summed.*/\1/p' "$log")
  [ -n "$ctx" ] || samp=$(sed -n 's/^sde: [0-9]* samples in \([0-9.]*\) s.*/\1/p' "$log")
  echo "| $name | $wall | $rate | ${ctx:--} | ${tasks:-1} | ${plug:--} | ${ckpt:--} | ${samp:--} |"
done
echo "(all files byte-identical; $count samples, $steps SDE steps, batches of $batch; $(nproc) cores)"
