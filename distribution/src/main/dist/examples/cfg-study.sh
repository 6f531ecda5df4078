#!/usr/bin/env bash
# The classifier-free guidance study on Fashion-MNIST (Ho and Salimans 2022, Fig. 1/Table 1 in spirit):
# one class-conditional ref-unet-s trained with examples/fashion-mnist-cfg.yaml (the recipe of the
# peer's `unet_fmnist.py --train 3000 --conditional --base 16 --blocks 1`), sampled with DDIM-50
# (eta = 0, x0 clipped to [-1, 1] at every step, as the peer) at guidance scales
# s = 0 (unconditional), 1, 1.5, 2, 3, 5 — 1,000 samples each, classes 0..9 in equal blocks, the same
# x_T for every scale — and scored by one feature classifier (`diffusion4j classifier`, 800 steps):
# FD and KID of its features against the 5,000 test images, and class accuracy; every row beside
# its floor (1,000 held-out reference images against the same test statistics).
#
# usage: examples/cfg-study.sh [OUT_DIR] [PEER_DIR]   (default ./cfg-study; the training takes about an hour
#        on 2 idle cores, each scale 1-4 minutes). A run folder with a checkpoint is resumed, existing
#        sample and score files are kept. PEER_DIR: the peer's *_cond_3000_ddim50_w*.npy files (its
#        conditional samples, labels i mod 10), scored with the same classifier.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
d4j="$here/../bin/diffusion4j"
out=${1:-cfg-study}
peer=${2:-}
threads=${D4J_THREADS:+--threads $D4J_THREADS}
mkdir -p "$out"

if [ -f "$out/run/checkpoint.safetensors" ]; then
  "$d4j" train $threads --resume "$out/run"
else
  "$d4j" train $threads --spec "$here/fashion-mnist-cfg.yaml" --out "$out/run"
fi
[ -f "$out/classifier.safetensors" ] || "$d4j" classifier $threads --dataset fashion-mnist --out "$out/classifier.safetensors"

score() {   # score SAMPLES.npy OUT.json [eval options]
  [ -f "$2" ] || "$d4j" eval $threads --samples "$1" --reference dataset:fashion-mnist \
    --classifier "$out/classifier.safetensors" --out "$2" "${@:3}" > /dev/null
}

for s in ${SCALES:-0 1 1.5 2 3 5}; do
  f="$out/ddim50-s$s"
  [ -f "$f.npy" ] || "$d4j" sample $threads --checkpoint "$out/run" --sampler ddim --class all --guidance "$s" \
    --set sampling.count=1000 --set sampling.batch-size=250 --out "$f.npy"
  score "$f.npy" "$f.json"
done
if [ -n "$peer" ]; then
  for f in "$peer"/*_cond_3000_ddim50_w*.npy; do
    [ -e "$f" ] || continue
    score "$f" "$out/peer-$(basename "${f%.npy}").json" --labels cyclic:10
  done
fi

# the table, as Markdown
python3 - "$out" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    name = os.path.basename(f)[:-5]
    m = re.search(r"(?:-s|_w)([0-9.]+)$", name)
    if not m or name.endswith("manifest"):
        continue
    j = json.load(open(f))
    rows.append(("PyTorch peer" if name.startswith("peer-") else "diffusion4j", float(m.group(1)), j))
rows.sort(key=lambda r: (r[0], r[1]))
print("| model | guidance s | FD | KID | class accuracy |")
print("|---|---|---|---|---|")
for who, s, j in rows:
    print(f"| {who} | {s:g} | {j['frechet']:.1f} | {j['kid']:.2f} | {j['class-accuracy']:.3f} |")
if rows:
    f = rows[0][2]["floor"]
    print(f"| floor: held-out images | — | {f['frechet']:.1f} | {f['kid']:.2f} | {f['class-accuracy']:.3f} |")
PY
