"""Fit time and peak memory of MMDAligner / OTAligner at 100,000 + 100,000 rows, and SKADA's.

Each fit runs in a fresh child process, so its peak resident memory (``ru_maxrss``) is
its own. skxfer: 100k source + 100k target rows of 50 features (goal: < 120 s, < 8 GB
on 2 cores). SKADA's equivalents are tried at growing sizes under a time cap, for the
ratio at the largest size both survive.

Usage::

    python benchmarks/bench_scaling.py [--n 100000] [--d 50] [--cap 300]
        [--skada-sizes 1000,2000,4000]
"""

import argparse
import multiprocessing as mp
import resource
import time

import numpy as np


def make_task(n, d, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.randn(n, d)
    Xt = 0.8 * rng.randn(n, d) + 0.5
    ys = (Xs[:, 0] + 0.3 * rng.randn(n) > 0).astype(int)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(n, dtype=int)]
    sd = np.r_[np.ones(n, dtype=int), -np.ones(n, dtype=int)]
    return X, y, sd


def build(name):
    from skxfer import MMDAligner, OTAligner

    if name == "MMDAligner(rbf, auto)":
        return MMDAligner(kernel="rbf", random_state=0), False
    if name == "MMDAligner(linear)":
        return MMDAligner(), False
    if name == "OTAligner(sinkhorn, auto)":
        return OTAligner(random_state=0), False
    if name == "OTAligner(emd, auto)":
        return OTAligner(method="emd", random_state=0), False
    if name == "OTAligner(linear)":
        return OTAligner(method="linear"), False
    import skada

    if name == "SKADA TCA(50)":
        return skada.TransferComponentAnalysisAdapter(n_components=50), True
    if name == "SKADA OTMapping":
        return skada.OTMappingAdapter(), True
    if name == "SKADA EntropicOTMapping":
        return skada.EntropicOTMappingAdapter(), True
    if name == "SKADA LinearOTMapping":
        return skada.LinearOTMappingAdapter(), True
    raise ValueError(name)


def _child(queue, name, n, d):
    try:
        X, y, sd = make_task(n, d)
        est, is_skada = build(name)
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        if is_skada:
            est.fit(X, y, sample_domain=sd)
        else:
            est.fit(X, y)
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        extra = getattr(est, "approx_", None) or getattr(est, "solver_", None) or ""
        queue.put(("ok", elapsed, peak / 2**20, base_rss / 2**20, extra))
    except Exception as exc:
        queue.put(("fail", f"{type(exc).__name__}: {exc}"[:100]))


def measure(name, n, d, cap):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, name, n, d))
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, f"> {cap:.0f} s (stopped)"
    if queue.empty():
        return None, f"crashed (exit code {proc.exitcode})"
    res = queue.get()
    return (res[1:], None) if res[0] == "ok" else (None, res[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows per domain")
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--cap", type=float, default=300.0, help="time cap per fit (s)")
    parser.add_argument("--skada-sizes", default="1000,2000,4000")
    parser.add_argument("--skip-skada", action="store_true")
    args = parser.parse_args()
    ours = [
        "MMDAligner(linear)",
        "MMDAligner(rbf, auto)",
        "OTAligner(sinkhorn, auto)",
        "OTAligner(emd, auto)",
        "OTAligner(linear)",
    ]
    peers = {
        "MMDAligner(rbf, auto)": "SKADA TCA(50)",
        "OTAligner(emd, auto)": "SKADA OTMapping",
        "OTAligner(sinkhorn, auto)": "SKADA EntropicOTMapping",
        "OTAligner(linear)": "SKADA LinearOTMapping",
    }
    sizes = [int(s) for s in args.skada_sizes.split(",")]
    results = {}
    print(f"{'method':28s} {'rows/domain':>11s} {'fit (s)':>9s} {'peak RSS (GB)':>14s}  solver")
    for name in ours:
        for n in [*sizes, args.n] if not args.skip_skada else [args.n]:
            value, err = measure(name, n, args.d, args.cap)
            results[name, n] = value
            if value is None:
                print(f"{name:28s} {n:11d}   {err}", flush=True)
            else:
                t, peak, _, extra = value
                print(f"{name:28s} {n:11d} {t:9.2f} {peak:14.2f}  {extra}", flush=True)
    if args.skip_skada:
        return
    for peer in dict.fromkeys(peers.values()):
        for n in sizes:
            value, err = measure(peer, n, args.d, args.cap)
            results[peer, n] = value
            if value is None:
                print(f"{peer:28s} {n:11d}   {err}", flush=True)
                break
            t, peak, _, _ = value
            print(f"{peer:28s} {n:11d} {t:9.2f} {peak:14.2f}", flush=True)
    print("\nskxfer / SKADA fit-time ratio at the largest size SKADA finished:")
    for ours_name, peer in peers.items():
        done = [n for n in sizes if results.get((peer, n))]
        if not done:
            print(f"{ours_name:28s} vs {peer:24s}: SKADA finished no size under the cap")
            continue
        n = max(done)
        ratio = results[ours_name, n][0] / results[peer, n][0]
        print(
            f"{ours_name:28s} vs {peer:24s} at {n:5d}/domain: {ratio:.3f} "
            f"(SKADA {1 / ratio:.1f}x slower)"
        )


if __name__ == "__main__":
    main()
