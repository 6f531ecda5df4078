#!/usr/bin/env python3
"""PyTorch side of `diffusion4j bench`: the same workloads, shapes, optimiser and iteration counts as the
Java side, read from the plan the launcher writes (`--plan FILE`, a JSON list), results as one JSON
document on stdout (diagnostics on stderr).

Run by hand: `diffusion4j bench --out r.json` records each plan under workloads[].plan; save the list of
plans to plan.json, then
    OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 torch_bench.py --plan plan.json --threads 1

Fairness (shared/peers/README.md, "Two traps"): set OPENBLAS_CORETYPE=SkylakeX on AVX-512 machines whose
CPU OpenBLAS 0.3.21 does not know (otherwise it runs SSE3 kernels) and OMP_WAIT_POLICY=PASSIVE (otherwise
libgomp's spinning threads fight OpenBLAS's pool); the launcher sets both in this process's environment
before torch is imported, and runs 1 and N threads, keeping the better figure.

Workloads (each the work one Java step does):
  gemm        C = A @ B, A m x k, B k x n, float32 (torch.mm into a preallocated out).
  train/seed  seed 000's flow-matching step (Lipman et al. 2023; the "Unified Perspective" blog, §2.3):
              minibatch from a per-epoch randperm, t ~ U(0,1), x1 ~ N(0,I), x_t = (1-t) x0 + t x1,
              loss = mean over the batch of sum_j (v(x_t, t) - (x1 - x0))_j^2, backward, Adam 1e-3,
              EMA of the weights (decay min(0.999, (1+k)/(10+k))), as quickstart.yaml trains.
  train/ddpm  DDPM L_simple step (Ho et al. 2020, Algorithm 1): t ~ U{0..999}, eps ~ N(0,I),
              x_t = sqrt(abar_t) x0 + sqrt(1-abar_t) eps, loss = mean (eps - eps_theta(x_t, t))^2, Adam 1e-3.
  quickstart  the whole seed-000 training (10 000 points, batch 512, 4 000 steps), wall time from model
              creation to the last step, warm-up included.
  sample/seed Euler ODE from t = 1 to 0 (x <- x - v/K), 10 000 points, K steps.
  sample/ddpm ancestral sampling (Ho et al. 2020, Algorithm 2, sigma^2 = beta) over K steps.
  unet-train  ref-unet-s (below) at batch 128: DDPM L_simple on 28x28 images (uniform noise pixels, as
              shared/peers/unet_fmnist.py --bench), Adam 2e-4, gradient norm clipped to 1.
  unet-sample ref-unet-s evaluated at batch 256 under no_grad, K evaluations per timed block (the Java
              side runs K DDIM steps, each one evaluation plus the update).

ref-unet-s is the U-Net that shared/peers/unet_fmnist.py describes and the `unet` plugin implements
(GroupNorm(8)-SiLU-conv residual blocks with a projected time embedding, one-head self-attention at 7 px
and in the middle, stride-2 conv down, nearest x2 + conv up, skip concatenations, zero-initialised
output convolutions). Both sides report its parameter count (280,177 at base 16 / 1 block, 1,623,169
at base 32 / 2 blocks), and the launcher refuses a row whose counts differ.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
from torch import nn


def peak_reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def load_snapshot():
    """(wall s, own CPU s, busy s of all CPUs from /proc/stat) for other_load_cores."""
    busy = None
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        busy = (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    t = os.times()
    return time.perf_counter(), t.user + t.system, busy


def other_load_cores(start):
    """Mean number of cores other processes kept busy since start (as the Java side measures it)."""
    end = load_snapshot()
    if start[2] is None or end[2] is None or end[0] <= start[0]:
        return None
    return max(0.0, ((end[2] - start[2]) - (end[1] - start[1])) / (end[0] - start[0]))


def seed_net():
    return nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))


def ddpm_net():
    return nn.Sequential(nn.Linear(34, 128), nn.SiLU(), nn.Linear(128, 128), nn.SiLU(),
                         nn.Linear(128, 128), nn.SiLU(), nn.Linear(128, 2))


FREQS = torch.tensor([10000.0 ** (-i / 16) for i in range(16)])


def embed(t):
    """32 sinusoidal features of the integer step t (shape (n,))."""
    a = t.float()[:, None] * FREQS[None, :]
    return torch.cat([torch.sin(a), torch.cos(a)], dim=1)


def two_gaussians(n, g):
    centres = torch.tensor([[4.0, 4.0], [4.0, -4.0]])
    return centres[torch.randint(0, 2, (n,), generator=g)] + 0.5 * torch.randn(n, 2, generator=g)


def linear_betas():
    betas = torch.linspace(1e-4, 0.02, 1000)
    return betas, torch.cumprod(1 - betas, 0)


class Trainer:
    """One optimiser step per call, the same pieces the Java Trainer runs for the pipeline."""

    def __init__(self, net_name, count, batch, g):
        self.g = g
        self.net = seed_net() if net_name == "seed" else ddpm_net()
        self.kind = net_name
        self.data = two_gaussians(count, g)
        self.batch = batch
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.params = [p for p in self.net.parameters()]
        self.ema = [p.detach().clone() for p in self.params] if net_name == "seed" else None
        self.k = 0
        self.perm = None
        self.pos = 0
        if net_name == "ddpm":
            _, abar = linear_betas()
            self.sqrt_ab, self.sqrt_1mab = abar.sqrt(), (1 - abar).sqrt()

    def step(self):
        n = self.data.shape[0]
        if self.perm is None or self.pos >= n:
            self.perm = torch.randperm(n, generator=self.g)
            self.pos = 0
        idx = self.perm[self.pos:self.pos + self.batch]
        self.pos += self.batch
        x0 = self.data[idx]
        b = x0.shape[0]
        if self.kind == "seed":
            t = torch.rand(b, 1, generator=self.g)
            x1 = torch.randn(b, 2, generator=self.g)
            xt = (1 - t) * x0 + t * x1
            v = self.net(torch.cat([xt, t], dim=1))
            loss = ((v - (x1 - x0)) ** 2).sum(dim=1).mean()
        else:
            t = torch.randint(0, 1000, (b,), generator=self.g)
            eps = torch.randn(b, 2, generator=self.g)
            xt = self.sqrt_ab[t][:, None] * x0 + self.sqrt_1mab[t][:, None] * eps
            loss = ((self.net(torch.cat([xt, embed(t)], dim=1)) - eps) ** 2).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.k += 1
        if self.ema is not None:
            d = min(0.999, (1.0 + self.k) / (10.0 + self.k))
            with torch.no_grad():
                torch._foreach_mul_(self.ema, d)
                torch._foreach_add_(self.ema, self.params, alpha=1 - d)
        return loss.item()


def warm_up(op, warmup, seconds):
    """At least `warmup` calls and at least `seconds` of them (the plan's warm-up, as on the Java side)."""
    t0 = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - t0 < seconds:
        op()
        done += 1


def timed_blocks(op, warmup, blocks, per_block, warmup_seconds=0.0):
    warm_up(op, warmup, warmup_seconds)
    seconds = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            op()
        seconds.append(time.perf_counter() - t0)
    return seconds


def run_gemm(p, g):
    m, n, k = p["m"], p["n"], p["k"]
    a = torch.rand(m, k, generator=g) - 0.5
    b = torch.rand(k, n, generator=g) - 0.5
    c = torch.empty(m, n)
    s = timed_blocks(lambda: torch.mm(a, b, out=c), p["warmup"], p["blocks"], p["per_block"],
                     p.get("warmup_seconds", 0.0))
    return {"value": 2.0 * m * n * k * p["per_block"] / statistics.median(s) / 1e9, "block_seconds": s}


def run_train(p, g):
    tr = Trainer(p["net"], p["count"], p["batch"], g)
    s = timed_blocks(tr.step, p["warmup"], p["blocks"], p["per_block"], p.get("warmup_seconds", 0.0))
    return {"value": p["per_block"] / statistics.median(s), "block_seconds": s}


def run_quickstart(p, g):
    t0 = time.perf_counter()
    tr = Trainer(p["net"], p["count"], p["batch"], g)
    for _ in range(p["steps"]):
        tr.step()
    s = time.perf_counter() - t0
    return {"value": s, "block_seconds": [s], "steps": p["steps"]}


@torch.no_grad()
def sample_seed(net, count, steps, g):
    x = torch.randn(count, 2, generator=g)
    t = torch.empty(count, 1)
    for i in range(steps):
        t.fill_(1.0 - i / steps)
        x = x - net(torch.cat([x, t], dim=1)) / steps
    return x


@torch.no_grad()
def sample_ddpm(net, count, steps, g):
    betas, abar = linear_betas()
    # strided over S of the T = 1000 steps when steps < 1000 ("leading" spacing), as the Java sampler
    c = 1000 // steps
    ts = list(range(0, 1000, c))[:steps][::-1]
    x = torch.randn(count, 2, generator=g)
    for j, t in enumerate(ts):
        prev = ts[j + 1] if j + 1 < len(ts) else -1
        ab = abar[t]
        ab_prev = abar[prev] if prev >= 0 else torch.tensor(1.0)
        alpha = ab / ab_prev
        beta = 1 - alpha
        tt = torch.full((count,), t, dtype=torch.long)
        eps = net(torch.cat([x, embed(tt)], dim=1))
        x = (x - beta / (1 - ab).sqrt() * eps) / alpha.sqrt()
        if prev >= 0:
            x = x + beta.sqrt() * torch.randn(count, 2, generator=g)
    return x


def run_sample(p, g):
    net = seed_net() if p["net"] == "seed" else ddpm_net()
    fn = sample_seed if p["net"] == "seed" else sample_ddpm
    warm_up(lambda: fn(net, p["count"], p["warmup_steps"], g), 1, p.get("warmup_seconds", 0.0))
    s = []
    for _ in range(p["blocks"]):
        t0 = time.perf_counter()
        x = fn(net, p["count"], p["steps"], g)
        s.append(time.perf_counter() - t0)
        if not torch.isfinite(x).all():
            raise RuntimeError("sampling produced a non-finite value")
    return {"value": p["count"] * p["steps"] / statistics.median(s), "block_seconds": s}


def sinusoidal(t, dim):
    """dim/2 sines then dim/2 cosines of t at frequencies 10000^(-k/(dim/2))."""
    half = dim // 2
    f = torch.exp(-math.log(10000.0) / half * torch.arange(half, dtype=torch.float32))
    a = t.float()[:, None] * f[None, :]
    return torch.cat([a.sin(), a.cos()], dim=1)


def zeroed(m):
    for q in m.parameters():
        nn.init.zeros_(q)
    return m


class Res(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb, cout)
        self.norm2, self.conv2 = nn.GroupNorm(8, cout), zeroed(nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(nn.functional.silu(self.norm1(x))) + self.emb(nn.functional.silu(e))[:, :, None, None]
        return self.skip(x) + self.conv2(nn.functional.silu(self.norm2(h)))


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm, self.qkv, self.proj = nn.GroupNorm(8, c), nn.Conv2d(c, 3 * c, 1), zeroed(nn.Conv2d(c, c, 1))

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        a = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(c), dim=-1)
        return x + self.proj(torch.bmm(v, a.transpose(1, 2)).reshape(b, c, h, w))


class RefUNetS(nn.Module):
    """ref-unet-s on 28x28 grey images, channel multipliers (1, 2, 2), attention at 7 px, unconditional."""

    def __init__(self, base, blocks, mults=(1, 2, 2)):
        super().__init__()
        emb = 4 * base
        self.base = base
        self.time = nn.Sequential(nn.Linear(base, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.conv_in = nn.Conv2d(1, base, 3, padding=1)
        self.down, self.up = nn.ModuleList(), nn.ModuleList()
        ch, res, skips = base, 28, [base]
        for i, m in enumerate(mults):
            for _ in range(blocks):
                self.down.append(nn.ModuleList([Res(ch, base * m, emb)] + ([Attn(base * m)] if res == 7 else [])))
                ch = base * m
                skips.append(ch)
            if i < len(mults) - 1:
                self.down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
                res //= 2
        self.mid = nn.ModuleList([Res(ch, ch, emb), Attn(ch), Res(ch, ch, emb)])
        for i in reversed(range(len(mults))):
            for _ in range(blocks + 1):
                cout = base * mults[i]
                self.up.append(nn.ModuleList([Res(ch + skips.pop(), cout, emb)] + ([Attn(cout)] if res == 7 else [])))
                ch = cout
            if i > 0:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, ch, 3, padding=1)))
                res *= 2
        self.out = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), zeroed(nn.Conv2d(ch, 1, 3, padding=1)))

    @staticmethod
    def _apply(layer, h, e):
        if isinstance(layer, nn.ModuleList):
            h = layer[0](h, e)
            for a in layer[1:]:
                h = a(h)
            return h
        return layer(h)

    def forward(self, x, t):
        e = self.time(sinusoidal(t, self.base))
        h = self.conv_in(x)
        hs = [h]
        for layer in self.down:
            h = self._apply(layer, h, e)
            hs.append(h)
        h = self.mid[2](self.mid[1](self.mid[0](h, e)), e)
        for layer in self.up:
            if isinstance(layer, nn.ModuleList):
                h = torch.cat([h, hs.pop()], dim=1)
            h = self._apply(layer, h, e)
        return self.out(h)


def unet_params(net):
    return sum(q.numel() for q in net.parameters())


def run_unet_train(p, g):
    net = RefUNetS(p["base"], p["res_blocks"])
    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    data = torch.rand((p["count"], 1, 28, 28), generator=g) * 2 - 1
    _, abar = linear_betas()
    batch, pos = p["batch"], [0]

    def step():
        x0 = data[pos[0]:pos[0] + batch]
        pos[0] = (pos[0] + batch) % p["count"]
        t = torch.randint(0, 1000, (batch,), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        ab = abar[t][:, None, None, None]
        loss = ((net(ab.sqrt() * x0 + (1 - ab).sqrt() * eps, t) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()

    s = timed_blocks(step, p["warmup"], p["blocks"], p["per_block"], p.get("warmup_seconds", 0.0))
    return {"value": p["per_block"] / statistics.median(s), "block_seconds": s, "params": unet_params(net)}


def run_unet_sample(p, g):
    net = RefUNetS(p["base"], p["res_blocks"])
    n, steps = p["count"], p["steps"]
    x = torch.randn((n, 1, 28, 28), generator=g)
    t = torch.full((n,), 500, dtype=torch.long)

    @torch.no_grad()
    def evaluations(k):
        for _ in range(k):
            out = net(x, t)
        if not torch.isfinite(out).all():
            raise RuntimeError("the network produced a non-finite value")

    warm_up(lambda: evaluations(p["warmup_steps"]), 1, p.get("warmup_seconds", 0.0))
    s = timed_blocks(lambda: evaluations(steps), 0, p["blocks"], 1)
    return {"value": n * steps / statistics.median(s), "block_seconds": s, "params": unet_params(net)}


RUNNERS = {"gemm": run_gemm, "train": run_train, "quickstart": run_quickstart, "sample": run_sample,
           "unet-train": run_unet_train, "unet-sample": run_unet_sample}


def openblas_core():
    import ctypes
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", required=True, help="JSON list of workload plans (as the launcher writes them)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = ap.parse_args()
    with open(args.plan) as f:
        plans = json.load(f)
    torch.set_num_threads(args.threads)
    results = {}
    for p in plans:
        g = torch.Generator().manual_seed(0)
        torch.manual_seed(0)
        peak_reset()
        start = load_snapshot()
        sys.stderr.write("%s (t%d) ...\n" % (p["name"], args.threads))
        sys.stderr.flush()
        r = RUNNERS[p["kind"]](p, g)
        r["peak_rss_mib"] = peak_rss_mib()
        r["other_load_cores"] = other_load_cores(start)
        r["load_average"] = " ".join("%.2f" % v for v in os.getloadavg())
        if not all(math.isfinite(v) for v in r["block_seconds"]):
            raise RuntimeError("non-finite timing in " + p["name"])
        results[p["name"]] = r
    env = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "openblas_core": openblas_core(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
    }
    json.dump({"threads": args.threads, "env": env, "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
