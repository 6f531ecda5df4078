#!/bin/bash
# Sampler benchmark (not a test): score-sde.pc throughput and score-sde.ode network calls at equal
# quality, beside the PyTorch peer score_sde_peer.py sampling the SAME weights (the EMA weights of a
# VP-SDE score MLP trained here by diffusion4j on the peers' two-moons files).
#
#   plugins/score-sde/bench/run_bench.sh DISTRIBUTION_HOME WORK_DIR [COUNT] [PC_STEPS]
#
# DISTRIBUTION_HOME: a built distribution (bin/diffusion4j); WORK_DIR: where the run and the samples go
# (a run already there is reused). Quality: the launcher's eval (sliced-w2, mmd2, energy) of every
# sample file against the held-out two_moons_test.csv. The machine is shared: the load is printed
# before and after; compare ratios from one run.
set -euo pipefail
home=$(cd "$1" && pwd); work=$2; count=${3:-10000}; steps=${4:-100}
here=$(cd "$(dirname "$0")" && pwd)
data=${PEERS_DATA:-/work/shared/peers/data}
d4j="$home/bin/diffusion4j"
mkdir -p "$work"; cd "$work"
echo "load before: $(uptime)"
cat > bench.yaml <<EOF
name: score-sde-bench
seed: 0
dataset:          {name: points, train: $data/two_moons_train.csv, test: $data/two_moons_test.csv}
schedule:         {name: score-sde.vp, beta-min: 0.1, beta-max: 20}
parameterization: {name: score-sde.score}
network:          {name: mlp, width: 128, depth: 3, activation: silu, time-embedding: sinusoidal}
loss:             {name: score-sde.dsm, weighting: sigma2}
training:         {lr: 0.001, batch-size: 512, steps: 8000, ema-decay: 0.999, checkpoint-every: 8000}
samplers:
  pc:  {name: score-sde.pc, steps: $steps, predictor: euler-maruyama, corrector: langevin, corrector-steps: 1, snr: 0.16}
  ode: {name: score-sde.ode, solver: rk45, rtol: 1e-5, atol: 1e-5}
sampling:         {count: $count, batch-size: $count, weights: ema}
EOF
[ -f run/checkpoint.safetensors ] || "$d4j" train --spec bench.yaml --out run
rm -f java-*.csv java-*.manifest.json
"$d4j" sample --checkpoint run --sampler pc --out java-pc.csv 2>&1 | tail -1
for tol in 1e-5 1e-3; do
  "$d4j" sample --checkpoint run --sampler ode --out java-ode-$tol.csv --set samplers.ode.rtol=$tol \
      --set samplers.ode.atol=$tol 2>&1 | grep -E "done|samples in" | tail -2
done
rm -rf peer; /usr/bin/python3 "$here/score_sde_peer.py" --checkpoint run/checkpoint.safetensors --out peer \
    --count "$count" --steps "$steps" --rtol 1e-5 1e-3
echo "load after: $(uptime)"
for f in java-pc.csv java-ode-1e-5.csv java-ode-1e-3.csv peer/peer-pc.csv peer/peer-ode-1e-05.csv peer/peer-ode-0.001.csv; do
  echo "== $f"; "$d4j" eval --samples "$f" --reference "$data/two_moons_test.csv" | tr -d '\n '; echo
done
for f in java-pc java-ode-1e-5 java-ode-1e-3; do
  /usr/bin/python3 -c "import json; m = json.load(open('$f.manifest.json')); print('$f', 'seconds', m['seconds'])"
done
cat peer/peer.json
