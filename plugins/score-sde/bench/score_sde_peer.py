#!/usr/bin/python3
"""PyTorch peer of diffusion4j's score-sde samplers, for the score-sde sampler benchmark (not a test).

It loads the EMA weights of a diffusion4j checkpoint (a VP-SDE score MLP: mlp plugin, sinusoidal
time embedding, score-sde.score parameterization) into the same MLP written in torch, and samples
it the way diffusion4j's samplers do, so that only the implementation differs:

  pc   Predictor-corrector (Song et al. 2021, Algorithms 2-5 / the paper's pc_sampler): N equal steps
       from t = 1 to t_min; per step one Langevin corrector step at t (step 2a(snr |z|/|s|)^2 with
       batch-mean norms, a = (alpha(t)/alpha(t'))^2, as the paper's code and score-sde.pc's default)
       then one Euler-Maruyama predictor step x' = x - h (f x - g^2 s) + sqrt(g^2 h) z; the last
       predictor step adds no noise. 2 network calls per step.
  ode  The probability-flow ODE dx/dt = f x - g^2 s / 2 from t = 1 to t_min with scipy's RK45
       (solve_ivp on the flattened batch, as the paper's code does: one step size for the whole
       batch); NFE = scipy's nfev. diffusion4j's score-sde.ode steps each sample with its own size.

VP SDE: beta(t) = beta_min + t (beta_max - beta_min), B(t) = beta_min t + (beta_max - beta_min) t^2/2,
alpha = exp(-B/2), sigma^2 = 1 - exp(-B), f = -beta/2, g^2 = beta. Start x ~ N(0, sigma(1)^2 I).

Usage (the system interpreter has torch; the environment variables avoid the two OpenBLAS/OpenMP
traps described in shared/peers/README.md, and are set here if absent):
  OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 score_sde_peer.py \
      --checkpoint RUN/checkpoint.safetensors --out DIR [--count 10000 --steps 100 --rtol 1e-5 1e-3]
Writes DIR/peer-pc.csv, DIR/peer-ode-<rtol>.csv and DIR/peer.json (times, NFE, throughput).
"""
import os

os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy import integrate  # noqa: E402


def read_safetensors(path, prefix):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or not name.startswith(prefix):
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        out[name[len(prefix):]] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"]).copy())
    return out


class ScoreMlp(torch.nn.Module):
    """cat(x, [sin(s t f_i), cos(s t f_i)]) -> (Linear, act) x depth -> Linear; f_i = 10000^(-i/h)."""

    def __init__(self, weights, embedding_dim, time_scale, activation):
        super().__init__()
        half = embedding_dim // 2
        self.freq = torch.tensor([time_scale * 10000.0 ** (-i / half) for i in range(half)], dtype=torch.float32)
        self.layers = []
        i = 0
        while "net.%d.weight" % i in weights:
            self.layers.append((weights["net.%d.weight" % i], weights["net.%d.bias" % i].reshape(-1)))
            i += 2
        self.act = {"silu": torch.nn.functional.silu, "relu": torch.relu, "tanh": torch.tanh,
                    "gelu": torch.nn.functional.gelu}[activation]

    def forward(self, x, t):
        angles = t.reshape(-1, 1) * self.freq.reshape(1, -1)
        h = torch.cat([x, torch.sin(angles), torch.cos(angles)], dim=1)
        for k, (w, b) in enumerate(self.layers):
            h = torch.addmm(b, h, w)  # weights are stored [in, out]
            if k < len(self.layers) - 1:
                h = self.act(h)
        return h


class Vp:
    def __init__(self, beta_min, beta_max, t_min):
        self.b0, self.b1, self.t_min = beta_min, beta_max, t_min

    def beta(self, t):
        return self.b0 + t * (self.b1 - self.b0)

    def big_b(self, t):
        return self.b0 * t + 0.5 * (self.b1 - self.b0) * t * t

    def alpha(self, t):
        return math.exp(-0.5 * self.big_b(t))

    def sigma(self, t):
        return math.sqrt(-math.expm1(-self.big_b(t)))


@torch.no_grad()
def pc_sample(net, sde, x, steps, snr, gen):
    grid = [1.0 + i * (sde.t_min - 1.0) / steps for i in range(steps + 1)]
    n = x.shape[0]
    for i in range(steps):
        t, nxt = grid[i], grid[i + 1]
        tt = torch.full((n,), t)
        # Langevin corrector (batch-mean norms), a = (alpha(t)/alpha(t'))^2.
        a = (sde.alpha(t) / sde.alpha(nxt)) ** 2
        s = net(x, tt)
        z = torch.randn(x.shape, generator=gen)
        grad_norm = torch.linalg.norm(s, dim=1).mean()
        noise_norm = torch.linalg.norm(z, dim=1).mean()
        eps = 2 * a * (snr * noise_norm / grad_norm) ** 2
        x = x + eps * s + torch.sqrt(2 * eps) * z
        # Euler-Maruyama predictor from t to t'.
        h = t - nxt
        beta = sde.beta(t)
        s = net(x, tt)
        mean = x - h * (-0.5 * beta * x - beta * s)
        z = torch.randn(x.shape, generator=gen)
        x = mean if i == steps - 1 else mean + math.sqrt(beta * h) * z
    return x


@torch.no_grad()
def ode_sample(net, sde, x, rtol, atol):
    shape = x.shape
    nfe = [0]

    def f(t, y):
        nfe[0] += 1
        xt = torch.from_numpy(y.astype(np.float32)).reshape(shape)
        s = net(xt, torch.full((shape[0],), float(t)))
        beta = sde.beta(t)
        return (-0.5 * beta * xt - 0.5 * beta * s).reshape(-1).numpy().astype(np.float64)

    sol = integrate.solve_ivp(f, (1.0, sde.t_min), x.reshape(-1).numpy().astype(np.float64), rtol=rtol, atol=atol,
                              method="RK45")
    return torch.from_numpy(sol.y[:, -1].astype(np.float32)).reshape(shape), sol.nfev


def write_csv(path, x):
    np.savetxt(path, x.numpy(), delimiter=",", header="x,y", comments="", fmt="%.7g")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--weights", default="ema", choices=["ema", "model"])
    p.add_argument("--embedding-dim", type=int, default=32)
    p.add_argument("--time-scale", type=float, default=1000.0)
    p.add_argument("--activation", default="silu")
    p.add_argument("--beta-min", type=float, default=0.1)
    p.add_argument("--beta-max", type=float, default=20.0)
    p.add_argument("--t-min", type=float, default=1e-3)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--snr", type=float, default=0.16)
    p.add_argument("--rtol", type=float, nargs="*", default=[1e-5, 1e-3])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    net = ScoreMlp(read_safetensors(args.checkpoint, args.weights + "."), args.embedding_dim, args.time_scale,
                   args.activation)
    sde = Vp(args.beta_min, args.beta_max, args.t_min)
    gen = torch.Generator().manual_seed(args.seed)
    x0 = torch.randn((args.count, 2), generator=gen) * sde.sigma(1.0)
    result = {"count": args.count, "threads": args.threads, "torch": torch.__version__,
              "load": os.getloadavg()}
    pc_sample(net, sde, x0[:256].clone(), 5, args.snr, torch.Generator().manual_seed(1))  # warm-up
    t0 = time.perf_counter()
    x = pc_sample(net, sde, x0.clone(), args.steps, args.snr, gen)
    sec = time.perf_counter() - t0
    write_csv(os.path.join(args.out, "peer-pc.csv"), x)
    result["pc"] = {"steps": args.steps, "corrector_steps": 1, "nfe_per_sample": 2 * args.steps, "seconds": sec,
                    "sample_steps_per_s": args.count * args.steps / sec}
    print("pc  %d x %d steps: %.2f s, %.3g sample-steps/s" % (args.count, args.steps, sec, args.count * args.steps / sec))
    for rtol in args.rtol:
        t0 = time.perf_counter()
        x, nfe = ode_sample(net, sde, x0.clone(), rtol, rtol)
        sec = time.perf_counter() - t0
        write_csv(os.path.join(args.out, "peer-ode-%g.csv" % rtol), x)
        result["ode-%g" % rtol] = {"rtol": rtol, "atol": rtol, "nfe": nfe, "seconds": sec}
        print("ode rtol=atol=%g: NFE %d, %.2f s" % (rtol, nfe, sec))
    with open(os.path.join(args.out, "peer.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
