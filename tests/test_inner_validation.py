"""The safety net's pieces: out-of-fold outputs, the paired switching rule, the input
scaling of FineTuneClassifier (no network is trained here)."""

import numpy as np
import pytest

from skxfer.utils._inner_validation import (
    inner_splits,
    keep_unless_clearly_beaten,
    out_of_fold,
    row_scores,
)


def test_a_candidate_replaces_the_default_only_when_clearly_better():
    rng = np.random.RandomState(0)
    default = (rng.rand(100) < 0.7).astype(float)
    clearly = default.copy()
    clearly[default == 0] = 1.0  # right on every row the default gets wrong
    assert keep_unless_clearly_beaten({"ens": default, "lin": clearly}, "ens") == "lin"
    # one row better out of 100 is within the noise of the paired differences
    slightly = default.copy()
    slightly[np.flatnonzero(default == 0)[0]] = 1.0
    slightly_and_worse = slightly.copy()
    slightly_and_worse[np.flatnonzero(default == 1)[:3]] = 0.0
    slightly_and_worse[np.flatnonzero(default == 0)[1:5]] = 1.0  # +1 net on 100 rows
    scores = {"ens": default, "lin": slightly_and_worse}
    assert np.mean(slightly_and_worse) > np.mean(default)
    assert keep_unless_clearly_beaten(scores, "ens") == "ens"
    assert keep_unless_clearly_beaten(scores, "ens", z=0.0) == "lin"  # the rule's threshold
    # ties go to the default, whatever the order of the candidates
    assert keep_unless_clearly_beaten({"a": default, "ens": default}, "ens") == "ens"
    # a worse candidate never replaces it
    assert keep_unless_clearly_beaten({"ens": clearly, "lin": default}, "ens") == "ens"


def test_out_of_fold_outputs_come_from_models_that_did_not_see_the_row():
    y = np.repeat([0, 1], 6)
    splits = inner_splits(y, True, seed=0)
    seen = []

    def fit_output(name, train, valid):
        seen.append((name, set(train), set(valid)))
        out = np.zeros((len(valid), 2))
        out[np.arange(len(valid)), y[valid]] = 1.0 if name == "right" else 0.0
        out[np.arange(len(valid)), 1 - y[valid]] = 0.0 if name == "right" else 1.0
        return out

    oof = out_of_fold(fit_output, ["right", "wrong"], splits, len(y))
    assert all(not (train & valid) for _, train, valid in seen)
    np.testing.assert_array_equal(row_scores(oof["right"], y, True), np.ones(len(y)))
    np.testing.assert_array_equal(row_scores(oof["wrong"], y, True), np.zeros(len(y)))
    np.testing.assert_allclose(
        row_scores(np.array([[1.0], [3.0]]), np.array([1.0, 1.0]), False), [0.0, -4.0]
    )
    assert inner_splits(np.array([0, 1, 1]), True, seed=0) is None  # a class with one row
    # at most max_folds folds (3 by default), fewer when a class has fewer rows
    y = np.repeat([0, 1], 6)
    assert len(inner_splits(y, True, seed=0)) == 3
    assert len(inner_splits(y, True, seed=0, max_folds=5)) == 5
    assert len(inner_splits(np.r_[y, 2, 2], True, seed=0, max_folds=5)) == 2


def test_input_scaling_weighs_domains_equally_and_floors_the_scale():
    pytest.importorskip("torch")
    from skxfer.deep._finetune_selection import fit_input_scaling

    rng = np.random.RandomState(0)
    # feature 3: constant on the source; feature 4: nearly constant everywhere
    Xs = np.c_[rng.randn(1000, 3), np.zeros(1000), 1e-3 * rng.randn(1000)]
    Xt = np.c_[rng.randn(10, 3) + 4.0, rng.randn(10), 1e-3 * rng.randn(10)]
    X = np.r_[Xs, Xt].astype(np.float32)
    sd = np.r_[np.ones(1000, dtype=int), -np.ones(10, dtype=int)]
    mean, scale = fit_input_scaling(X, sd)
    # equal weights: the target's shift moves the mean halfway, whatever the row counts
    np.testing.assert_allclose(
        mean[:3], 2.0 + 0.5 * (Xs[:, :3].mean(0) + Xt[:, :3].mean(0) - 4.0), atol=1e-5
    )
    # the source-constant feature is not blown up on the target rows
    assert np.all(np.abs((Xt[:, 3] - mean[3]) / scale[3]) < 5)
    # no scale below the median scale of the features (a near-constant one included)
    assert scale[4] > 0.5 and scale[4] == scale.min()
    pooled_mean, _ = fit_input_scaling(X)  # no domains: every row weighs the same
    assert abs(pooled_mean[0] - X[:, 0].mean()) < 1e-5


def test_members_are_calibrated_and_weighted_by_their_out_of_fold_log_loss():
    pytest.importorskip("torch")
    from skxfer.deep._finetune_selection import ensemble_output
    from skxfer.utils._inner_validation import calibrate_members, temper

    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 60)
    onehot = np.eye(3)[y]
    # right on 80 % of the rows but always sure of itself (1 % on the other classes)
    sure = np.where(rng.rand(60, 1) < 0.8, onehot, np.roll(onehot, 1, axis=1))
    sure = 0.97 * sure + 0.01
    # right on every row but timid (40 % on the true class)
    timid = 0.4 * onehot + 0.3 * (1 - onehot)
    temps, weights = calibrate_members({"sure": sure, "timid": timid}, y)
    # the overconfident member is softened, the timid one sharpened; neither ranking moves
    assert temps["sure"] > 1.0 > temps["timid"]
    for proba, t in ((sure, temps["sure"]), (timid, temps["timid"])):
        np.testing.assert_array_equal(temper(proba, t).argmax(1), proba.argmax(1))
        np.testing.assert_allclose(temper(proba, t).sum(1), 1.0)
    np.testing.assert_allclose(temper(sure, 1.0), sure)
    # the member with the lower calibrated log loss weighs more; weights sum to 1
    assert weights["timid"] > weights["sure"] and abs(sum(weights.values()) - 1) < 1e-12
    equal = calibrate_members({"sure": sure, "timid": timid}, y, weighted=False)[1]
    assert equal == {"sure": 0.5, "timid": 0.5}
    # the mean follows the weights: on a row where the two disagree, the timid one wins
    row = np.flatnonzero(sure.argmax(1) != y)[:1]
    calibrated = [temper(p[row], temps[n]) for n, p in (("sure", sure), ("timid", timid))]
    mixed = ensemble_output(calibrated, True, [weights["sure"], weights["timid"]])
    assert mixed.argmax(1)[0] == y[row][0]
    assert np.mean([sure[row], timid[row]], axis=0).argmax(1)[0] != y[row][0]
    # calibrated_mean is that weighted mean of the tempered members, over every row
    from skxfer.utils._inner_validation import calibrated_mean

    both = {"sure": sure, "timid": timid}
    expected = sum(weights[n] * temper(p, temps[n]) for n, p in both.items())
    np.testing.assert_allclose(calibrated_mean(both, temps, weights), expected)
    np.testing.assert_allclose(
        np.exp(
            ensemble_output(
                [temper(p, temps[n]) for n, p in both.items()], True, [weights[n] for n in both]
            )
        ),
        expected,
        rtol=1e-5,
    )
