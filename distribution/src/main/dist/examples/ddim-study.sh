#!/usr/bin/env bash
# The DDIM eta x S study (Song, Meng and Ermon 2020, Table 1) on 2-D data, beside the PyTorch peer
# (peers/ddpm_2d.py). For each dataset (two-moons, eight-gaussians) and beta schedule (linear, cosine)
# it trains one eps-model with the peer's recipe (examples/ddim-study.yaml: 34->128->128->128->2 SiLU
# eps-MLP, Adam 1e-3, batch 512, 20 000 steps) and runs three sweeps of its ddim sampler
# (10 000 samples each, the same x_T and noise for every cell, scored against the held-out split):
#   table.json/.md  rows eta = 0.0, 0.2, 0.5, 1.0 and sigma-hat x columns S = 10, 20, 50, 100, 1000
#   fixes.json/.md  eta = 0 with "trailing" timesteps (the peer's cosine blow-up: x0-hat divided by a
#                   tiny sqrt(abar_999)), without and with x0 clipping (static, dynamic thresholding,
#                   range 4: both datasets lie in [-4, 4]^2), and leading eta = 0 with static clipping
#                   x columns S = 10, 20, 50, 100
#   clip1000.json/.md  eta = 0 at S = 1000 (leading) with static clipping and dynamic thresholding: the
#                   cosine schedule's other blow-up (its first step starts at t = 999, abar = 2.4e-9)
# Every table is printed as Markdown at the end.
#
# usage: examples/ddim-study.sh [OUT_DIR]   (default ./ddim-study; about 1.5 h on 2 idle cores: run it with
#        nohup examples/ddim-study.sh out > study.log 2>&1 &). A dataset/schedule whose run folder
#        already holds a checkpoint is resumed, not trained again; an existing table is not redone.
# Environment: DATASETS, SCHEDULES (space-separated) to do less; D4J_THREADS for --threads.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
d4j="$here/../bin/diffusion4j"
spec="$here/ddim-study.yaml"
out=${1:-ddim-study}
threads=${D4J_THREADS:+--threads $D4J_THREADS}
mkdir -p "$out"

for ds in ${DATASETS:-two-moons eight-gaussians}; do
  for sched in ${SCHEDULES:-linear cosine}; do
    run="$out/$ds-$sched"
    if [ -f "$run/checkpoint.safetensors" ]; then
      "$d4j" train $threads --resume "$run"   # finishes an interrupted run; a finished one stays as it is
    else
      echo "== training $ds / $sched -> $run"
      "$d4j" train $threads --spec "$spec" --out "$run" --set dataset.name="$ds" --set schedule.name="ddpm.$sched"
    fi
    if [ ! -f "$run/table.json" ]; then
      echo "== DDIM table $ds / $sched"
      "$d4j" sweep $threads --checkpoint "$run" --sampler ddim --out "$run/table.json" > /dev/null
    fi
    if [ ! -f "$run/fixes.json" ]; then
      echo "== trailing spacing and x0 clipping $ds / $sched"
      "$d4j" sweep $threads --checkpoint "$run" --sampler ddim --out "$run/fixes.json" \
        --row eta=0.0,spacing=trailing \
        --row eta=0.0,spacing=trailing,clip=static,clip-range=4 \
        --row eta=0.0,spacing=trailing,clip=dynamic,clip-range=4 \
        --row eta=0.0,clip=static,clip-range=4 \
        --column steps=10 --column steps=20 --column steps=50 --column steps=100 > /dev/null
    fi
    if [ ! -f "$run/clip1000.json" ]; then
      echo "== x0 clipping at S = 1000 $ds / $sched"
      "$d4j" sweep $threads --checkpoint "$run" --sampler ddim --out "$run/clip1000.json" \
        --row eta=0.0,clip=static,clip-range=4 --row eta=0.0,clip=dynamic,clip-range=4 --column steps=1000 > /dev/null
    fi
  done
done

for ds in ${DATASETS:-two-moons eight-gaussians}; do
  for sched in ${SCHEDULES:-linear cosine}; do
    echo
    echo "## $ds, $sched schedule"
    cat "$out/$ds-$sched/table.md" "$out/$ds-$sched/fixes.md" "$out/$ds-$sched/clip1000.md"
  done
done
