#!/usr/bin/env bash
# DiNof on points, the shape of seed 001's Tables 1 and 4: a VP-SDE baseline (score MLP of
# dinof-two-moons.yaml's size, PC sampler, 1000 steps from t = 1) against DiNof at several T_m
# (joint training of the score on t < T_m and the flow of x(T_m); PC with 1000*T_m steps from T_m),
# every model trained with the same steps, the same COUNT samples scored against the held-out split
# (sliced-W2, MMD2 and the floor), the network evaluations per sample (PC: predictor + corrector per
# step; DiNof adds one pass of the flow) and the sampling wall time, also scaled to 10,000 samples.
# Optional rows: the flow alone (the dinof network's flow trained on the data themselves, loss
# objective data, sampled by dinof.flow-alone: plain Glow) and separate training (the baseline's own
# score network, trained on t in [0, 1], copied by --init-from into dinof-two-moons-separate.yaml,
# and only the flow trained on x(T_m): loss objective flow) beside the joint rows.
#
# usage: examples/dinof-study.sh [OUT_DIR]   (default ./dinof-study)
# Environment: DATASET (two-moons), TMS (space-separated T_m values; default 0.2 0.4 0.6 0.8 1.0),
#              STEPS (training steps, 8000), COUNT (samples, 10000), FLOW_ALONE (1: add the flow-alone
#              row), SEPARATE (space-separated T_m values for separate-training rows, e.g. 0.6; none by
#              default). A run folder that holds a checkpoint is not trained again, one with samples
#              is not sampled again. Prints a Markdown table at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
d4j="$here/../bin/diffusion4j"
out=${1:-dinof-study}
ds=${DATASET:-two-moons}
steps=${STEPS:-8000}
count=${COUNT:-10000}
mkdir -p "$out"
common=(--set "dataset.name=$ds" --set "training.steps=$steps" --set "training.checkpoint-every=$steps"
        --set "sampling.count=$count")

row() {   # label, run folder, steps, evaluations per sample -> one Markdown row from the samples' eval
  local label=$1 run=$2 n=$3 evals=$4
  local csv="$run/samples.csv"
  [ -f "$csv" ] || "$d4j" sample --checkpoint "$run" --out "$csv" 2> "$run/sample.log"
  local secs
  secs=$(python3 -c "import json;print(json.load(open('$run/samples.manifest.json'))['seconds'])" 2>/dev/null || echo "nan")
  "$d4j" eval --samples "$csv" --reference "dataset:$ds" --metrics sliced-w2,mmd2 > "$run/eval.json"
  python3 - "$label" "$n" "$evals" "$secs" "$count" "$run/eval.json" <<'PY'
import json, sys
label, n, evals, secs, count, f = sys.argv[1:]
e = json.load(open(f))
secs = float(secs)
print(f"| {label} | {n} | {evals} | {e['sliced-w2']:.4f} | {e['mmd2']:.5f} | {secs:.1f} | {secs * 10000 / int(count):.1f}"
      f" | {e['floor']['sliced-w2']:.4f} |")
PY
}

base="$out/baseline"
if [ ! -f "$base/checkpoint.safetensors" ]; then
  "$d4j" train --spec "$here/two-moons-score-sde.yaml" --out "$base" "${common[@]}" \
      --set samplers.pc.steps=1000 --set network.width=128 --set network.depth=3 &> "$out/baseline.train.log"
fi
rows=("$(row "VP-SDE baseline, PC" "$base" 1000 2000)")
for tm in ${TMS:-0.2 0.4 0.6 0.8 1.0}; do
  run="$out/dinof-$tm"
  n=$(python3 -c "import math;print(math.ceil(1000*$tm))")
  if [ ! -f "$run/checkpoint.safetensors" ]; then
    "$d4j" train --spec "$here/dinof-two-moons.yaml" --out "$run" "${common[@]}" \
        --set "network.t-m=$tm" --set "prior.t-m=$tm" --set "sampler.steps=$n" &> "$out/dinof-$tm.train.log"
  fi
  rows+=("$(row "DiNof T_m = $tm, PC" "$run" "$n" "$((2 * n)) + flow")")
done
for tm in ${SEPARATE:-}; do   # the baseline's score network (t in [0, 1]) and a flow trained alone on x(T_m)
  run="$out/separate-$tm"
  n=$(python3 -c "import math;print(math.ceil(1000*$tm))")
  if [ ! -f "$run/checkpoint.safetensors" ]; then
    "$d4j" train --spec "$here/dinof-two-moons-separate.yaml" --out "$run" --init-from "$base" "${common[@]}" \
        --set "network.t-m=$tm" --set "prior.t-m=$tm" --set "sampler.steps=$n" &> "$out/separate-$tm.train.log"
  fi
  rows+=("$(row "DiNof T_m = $tm, separate training, PC" "$run" "$n" "$((2 * n)) + flow")")
done
if [ "${FLOW_ALONE:-0}" = 1 ]; then   # the same flow trained on the data themselves, sampled alone
  run="$out/flow-alone"
  if [ ! -f "$run/checkpoint.safetensors" ]; then
    "$d4j" train --spec "$here/dinof-two-moons.yaml" --out "$run" "${common[@]}" \
        --set loss.objective=data --set sampler.name=dinof.flow-alone &> "$out/flow-alone.train.log"
  fi
  rows+=("$(row "flow alone (the dinof flow on the data)" "$run" 0 "flow")")
fi
echo "| model | steps | network evaluations per sample | sliced-W2 | MMD2 | sampling s ($count samples) | s per 10,000 | floor SW2 |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
