#!/usr/bin/env bash
# DiNof on Fashion-MNIST, the shape of seed 001's Tables 1 and 4 on this machine, with separate training:
# ONE VP-SDE score network (examples/fashion-mnist-score-sde.yaml: the image study's U-Net, trained on
# t in [0, 1]) serves the baseline and every T_m; per T_m only a small Glow is trained on
# x(T_m) = alpha(T_m) x0 + sigma(T_m) eps (fashion-mnist-dinof.yaml with --init-from the score run and
# loss.objective=flow: the U-Net is copied, not trained). Rows: the VP-SDE baseline (PC, 1000 steps from
# t = 1), DiNof at each T_m (flow prior, PC with ceil(1000 T_m) steps from T_m), and the flow alone
# (the same Glow trained on the uniformly dequantised images: plain Glow). Each row: COUNT samples scored
# by one feature classifier (FD, KID against the test images), steps, sampling wall time, and the
# flow's last training bits/dim; the floor is held-out images against the same test statistics.
#
# usage: examples/dinof-fmnist-study.sh [OUT_DIR]   (default ./dinof-fmnist-study)
# Environment: SCORE (a trained VP-SDE score run; default OUT_DIR/score, trained here if absent),
#              TMS (default "0.2 0.4 0.5 0.6 0.8 1.0"), FLOW_STEPS (flow training steps, 2000),
#              COUNT (samples per row, 1000). Folders, samples and scores that exist are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
d4j="$here/../bin/diffusion4j"
out=${1:-dinof-fmnist-study}
score=${SCORE:-$out/score}
count=${COUNT:-1000}
flow_steps=${FLOW_STEPS:-2000}
threads=${D4J_THREADS:+--threads $D4J_THREADS}
mkdir -p "$out"
if [ ! -f "$score/checkpoint.safetensors" ]; then
  "$d4j" train $threads --spec "$here/fashion-mnist-score-sde.yaml" --out "$score" 2> "$out/score.train.log"
fi
[ -f "$out/classifier.safetensors" ] || "$d4j" classifier $threads --dataset fashion-mnist --out "$out/classifier.safetensors"

scored() {   # scored SAMPLES.npy: FD / KID of the samples into SAMPLES.json
  [ -f "${1%.npy}.json" ] || "$d4j" eval $threads --samples "$1" --reference dataset:fashion-mnist \
    --classifier "$out/classifier.safetensors" --metrics frechet,kid --out "${1%.npy}.json" > /dev/null
}
sampled() {   # sampled RUN OUT.npy [sample options]: COUNT samples, their wall time in the manifest
  [ -f "$2" ] || "$d4j" sample $threads --checkpoint "$1" --out "$2" --set "sampling.count=$count" \
    --set sampling.batch-size=250 "${@:3}" 2> "${2%.npy}.log"
  scored "$2"
}

sampled "$score" "$out/baseline.npy" --sampler pc --set samplers.pc.steps=1000
flow_run() {   # flow_run RUN [--set ...]: a flow trained alone on top of the score run
  local run=$1
  shift
  [ -f "$run/checkpoint.safetensors" ] || "$d4j" train $threads --spec "$here/fashion-mnist-dinof.yaml" --out "$run" \
    --init-from "$score" --set "training.steps=$flow_steps" --set "training.checkpoint-every=$flow_steps" \
    --set training.lr=0.001 "$@" 2> "$run.train.log"
}
for tm in ${TMS:-0.2 0.4 0.5 0.6 0.8 1.0}; do
  n=$(python3 -c "import math;print(math.ceil(1000*$tm))")
  flow_run "$out/dinof-$tm" --set loss.objective=flow --set "network.t-m=$tm" --set "prior.t-m=$tm" \
    --set "sampler.steps=$n"
  sampled "$out/dinof-$tm" "$out/dinof-$tm.npy"
done
flow_run "$out/glow" --set loss.objective=data --set sampler.name=dinof.flow-alone
sampled "$out/glow" "$out/glow.npy"

# the table, as Markdown
python3 - "$out" "${TMS:-0.2 0.4 0.5 0.6 0.8 1.0}" <<'PY'
import json, math, os, re, sys
out, tms = sys.argv[1], sys.argv[2].split()
def seconds(npy):
    try:
        return json.load(open(npy[:-4] + ".manifest.json"))["seconds"]
    except Exception:
        return float("nan")
def bpd(run):
    try:
        last = [l for l in open(run + ".train.log") if "flow-bpd" in l][-1]
        return float(re.search(r"flow-bpd ([0-9.]+)", last).group(1))
    except Exception:
        return float("nan")
rows = [("VP-SDE baseline, PC", 1000, os.path.join(out, "baseline.npy"), float("nan"))]
for tm in tms:
    rows.append((f"DiNof T_m = {tm}, PC from T_m", math.ceil(1000 * float(tm)), os.path.join(out, f"dinof-{tm}.npy"),
                 bpd(os.path.join(out, f"dinof-{tm}"))))
rows.append(("flow alone (plain Glow)", 0, os.path.join(out, "glow.npy"), bpd(os.path.join(out, "glow"))))
print("| model | steps | FD | KID | sampling s | flow bits/dim (last training batch) |")
print("|---|---|---|---|---|---|")
floor = None
for label, n, npy, b in rows:
    f = npy[:-4] + ".json"
    if not os.path.exists(f):
        continue
    j = json.load(open(f))
    floor = j["floor"]
    print(f"| {label} | {n} | {j['frechet']:.1f} | {j['kid']:.2f} | {seconds(npy):.0f} | {b:.2f} |")
if floor:
    print(f"| floor: held-out images | — | {floor['frechet']:.1f} | {floor['kid']:.2f} | — | — |")
PY
