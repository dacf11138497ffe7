"""How FineTuneClassifier's safety net should combine its members (issue 16): rules compared.

On the tasks of ``bench_finetune.py --suite defaults`` (same loading, same seeded draws of
``k`` labelled target rows per class), ``FineTuneClassifier(random_state=seed)`` is
fitted once with the ensemble forced (every member trained on all labelled rows); each
member's inner out-of-fold probabilities and its probabilities on the remaining target
rows are kept, and every rule below combines the same members (then the switching rule of
the safety net, z = 2 paired standard errors on out-of-fold accuracy, runs on top):

- ``mean``: the plain mean (the safety net before issue 16's calibration step);
- ``ts``: each member temperature-scaled on its out-of-fold probabilities, plain mean;
- ``ts_invnll`` (the default now): temperature-scaled, weighted by the inverse of the
  calibrated out-of-fold log loss;
- ``invnll``: inverse out-of-fold log loss weights, no temperature;
- ``stack``, ``ts_stack``: convex weights minimising the out-of-fold log loss of the
  mixture (Nelder-Mead on softmax weights), without / with temperatures.

Two more rows keep ``ts_invnll`` and change the switching test's per-row score (studied
after issue 16's calibration step; neither was kept):

- ``ts_invnll+ll``: each row's log likelihood of the true class under the calibrated
  member and under the (uncalibrated) weighted mean, instead of 1/0 correctness;
- ``ts_invnll+ll_cal``: the same with the weighted mean temperature-scaled too, so that a
  linear pool's under-confidence does not count against it.

With one labelled row per class (k = 1) nothing is validated: every rule is the plain
mean. Priors that need no validation are compared there instead (``K1_PRIORS``, none of
them kept): ``geo`` (the mean of the log probabilities), ``transfer_only`` (the members
that start from the source network), ``two_groups`` (the transfer members and the
no-transfer members weigh half each), and ``source_cal`` (the plain mean with the source
classifier temperature-scaled on the labelled target rows, which it never saw). The rules
were compared on the suite's own tasks: not a held-out result.

Example::

    python benchmarks/bench_ensemble_rules.py --tasks decaf_d2w amazon_k2b --ks 5 10
"""

import argparse
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _defaults_suite import TASKS, draw_labelled, load  # noqa: E402
from _harness import data_home  # noqa: E402

RULES = [
    "mean",
    "ts",
    "ts_invnll",
    "invnll",
    "stack",
    "ts_stack",
    "ts_invnll+ll",
    "ts_invnll+ll_cal",
]


def member_probabilities(name, Xs, ys, Xt, yt, k, seed):
    """Each member's out-of-fold (or None) and test probabilities, the codes, and each
    member's probabilities on the labelled target rows."""
    import skxfer.deep._finetune as ftmod
    from skxfer.deep import FineTuneClassifier

    captured = {}
    original, switch_z = ftmod.out_of_fold, ftmod.SWITCH_Z

    def capture(*args):
        captured["oof"] = original(*args)
        return captured["oof"]

    lab, rest = draw_labelled(yt, k, seed)
    X = np.concatenate([Xs, Xt[lab]])
    y = np.concatenate([ys, yt[lab]])
    sd = np.r_[np.ones(len(Xs), dtype=np.int64), -np.ones(len(lab), dtype=np.int64)]
    ftmod.out_of_fold, ftmod.SWITCH_Z = capture, np.inf  # keep the ensemble: every member
    try:
        ft = FineTuneClassifier(random_state=seed).fit(X, y, sample_domain=sd)
    finally:
        ftmod.out_of_fold, ftmod.SWITCH_Z = original, switch_z
    names = list(ft.ensemble_)
    ft.ensemble_temperatures_ = None  # members' own probabilities
    test, labelled = {}, {}
    for m in names:
        ft.ensemble_ = [m]
        test[m] = ft.predict_proba(Xt[rest])
        labelled[m] = ft.predict_proba(Xt[lab])
    oof = captured.get("oof")
    oof = None if oof is None else {m: oof[m] for m in names}
    enc = ft.label_encoder_
    return oof, test, enc.transform(yt[lab]), enc.transform(yt[rest]), labelled


def _nll(p, y):
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))


def _stack_weights(probas, y):
    def loss(a):
        w = np.exp(a - a.max())
        return _nll(sum(wi * p for wi, p in zip(w / w.sum(), probas, strict=True)), y)

    a = minimize(loss, np.zeros(len(probas)), method="Nelder-Mead", options={"maxiter": 400}).x
    w = np.exp(a - a.max())
    return w / w.sum()


def _log_likelihoods(p, y):
    return np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))


def _switch_rows(switch, oof_calibrated, oof_mixture, y):
    """Per-row scores of the members and of the mixture for the switching test."""
    from skxfer.utils._inner_validation import TEMPERATURES, row_scores, temper

    if switch == "accuracy":
        rows = {n: row_scores(p, y, True) for n, p in oof_calibrated.items()}
        rows["ensemble"] = row_scores(oof_mixture, y, True)
        return rows
    rows = {n: _log_likelihoods(p, y) for n, p in oof_calibrated.items()}
    if switch == "ll_cal":
        t = min(TEMPERATURES, key=lambda t: _nll(temper(oof_mixture, t), y))
        oof_mixture = temper(oof_mixture, t)
    rows["ensemble"] = _log_likelihoods(oof_mixture, y)
    return rows


K1_PRIORS = ["geo", "transfer_only", "two_groups", "source_cal"]
_TRANSFER = ("finetune", "source", "head")


def k1_prior(prior, test, labelled, y):
    """Test probabilities of a prior that needs no inner validation (k = 1)."""
    from skxfer.utils._inner_validation import TEMPERATURES, temper

    if prior == "geo":
        return np.mean([np.log(np.clip(p, 1e-12, None)) for p in test.values()], axis=0)
    transfer = [p for n, p in test.items() if n in _TRANSFER]
    if prior == "transfer_only":
        return np.mean(transfer, axis=0)
    if prior == "two_groups":
        other = [p for n, p in test.items() if n not in _TRANSFER]
        return 0.5 * np.mean(transfer, axis=0) + 0.5 * np.mean(other, axis=0)
    members = dict(test)
    if "source" in members:  # its temperature from the labelled rows it never saw
        t = min(TEMPERATURES, key=lambda t: _nll(temper(labelled["source"], t), y))
        members["source"] = temper(members["source"], t)
    return np.mean(list(members.values()), axis=0)


def combine(rule, oof, test, y):
    """Test probabilities of ``rule`` (then the switching rule, on 1/0 correctness unless
    the rule names another per-row score after a ``+``)."""
    from skxfer.utils._inner_validation import (
        SWITCH_Z,
        calibrate_members,
        keep_unless_clearly_beaten,
        temper,
    )

    rule, _, switch = rule.partition("+")
    names = list(test)
    if oof is None:
        return np.mean([test[n] for n in names], axis=0)
    temps = {n: 1.0 for n in names}
    if rule.startswith("ts"):
        temps = calibrate_members(oof, y)[0]
    o = [temper(oof[n], temps[n]) for n in names]
    t = [temper(test[n], temps[n]) for n in names]
    if rule in ("ts_invnll", "invnll"):
        w = 1.0 / np.maximum([_nll(p, y) for p in o], 1e-3)
        w = w / w.sum()
    elif rule in ("stack", "ts_stack"):
        w = _stack_weights(o, y)
    else:
        w = np.full(len(names), 1.0 / len(names))
    mixture = sum(wi * p for wi, p in zip(w, o, strict=True))
    rows = _switch_rows(switch or "accuracy", dict(zip(names, o, strict=True)), mixture, y)
    chosen = keep_unless_clearly_beaten(rows, "ensemble", z=SWITCH_Z)
    if chosen != "ensemble":
        return test[chosen]
    return sum(wi * p for wi, p in zip(w, t, strict=True))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", default=None)
    p.add_argument("--tasks", nargs="+", default=list(TASKS))
    p.add_argument("--ks", nargs="+", type=int, default=[1, 5, 10, 50])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    p.add_argument("--raw-max-rows", type=int, default=2000)
    a = p.parse_args()
    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    acc, t0 = defaultdict(list), time.time()
    for name in a.tasks:
        Xs, ys, Xt, yt = load(name, data_home(a.data_home), a.raw_max_rows)
        min_count = int(np.bincount(yt - yt.min()).min())
        for k in [k for k in a.ks if k < min_count]:
            for seed in a.seeds:
                oof, test, y_in, y_test, labelled = member_probabilities(
                    name, Xs, ys, Xt, yt, k, seed
                )
                for prior in K1_PRIORS if oof is None else []:
                    proba = k1_prior(prior, test, labelled, y_in)
                    acc[name, k, prior].append(100.0 * np.mean(proba.argmax(1) == y_test))
                for rule in RULES:
                    proba = combine(rule, oof, test, y_in)
                    acc[name, k, rule].append(100.0 * np.mean(proba.argmax(1) == y_test))
                for m, proba in test.items():
                    acc[name, k, m].append(100.0 * np.mean(proba.argmax(1) == y_test))
            done = {key[2] for key in acc if key[:2] == (name, k)}
            members = sorted(done - set(RULES) - set(K1_PRIORS))
            shown = RULES + [p for p in K1_PRIORS if p in done]
            print(
                f"{name} k={k}: "
                + ", ".join(f"{r} {np.mean(acc[name, k, r]):.2f}" for r in shown)
                + " | members: "
                + ", ".join(f"{m} {np.mean(acc[name, k, m]):.2f}" for m in members),
                flush=True,
            )
    cases = sorted({key[:2] for key in acc})
    print(f"\nmean over the {len(cases)} (task, k) cases of (rule - mean), worst, best:")
    for rule in RULES:
        d = [np.mean(acc[c + (rule,)]) - np.mean(acc[c + ("mean",)]) for c in cases]
        print(f"  {rule}: {np.mean(d):+.2f} (worst {min(d):+.2f}, best {max(d):+.2f})")
    print(f"(total wall {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
