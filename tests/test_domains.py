"""The data contract: masking, inference of domains, helpers and input errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, Ridge

from skxfer import (
    CORALAligner,
    LabelledOnly,
    check_sample_domain,
    is_masked,
    make_da_pipeline,
    merge_domains,
    split_domains,
    validate_da_data,
)

_RNG = np.random.default_rng(0)


def test_is_masked_classification_regression_and_objects():
    assert is_masked(np.array([0, -1, 2])).tolist() == [False, True, False]
    # a regression target (NaN-masked, non-integer) keeps -1.0 as a label
    assert is_masked(np.array([0.5, np.nan, -1.0])).tolist() == [False, True, False]
    # integer-valued float labels are classes: -1.0 is their mask
    assert is_masked(np.array([0.0, 1.0, -1.0])).tolist() == [False, False, True]
    assert is_masked(np.array([0.0, 1.0, -1.0]), regression=True).tolist() == [False] * 3
    assert is_masked(np.array(["a", "b"], dtype=object)).tolist() == [False, False]


def test_sample_domain_inferred_at_fit_and_all_target_after():
    X = np.zeros((4, 2))
    _, _, sd = validate_da_data(BaseEstimator(), X, np.array([1, 0, -1, -1]))
    assert sd.tolist() == [1, 1, -1, -1]
    _, _, sd = validate_da_data(BaseEstimator(), X, None, reset=True)
    assert sd.tolist() == [1, 1, 1, 1]
    est = BaseEstimator()
    validate_da_data(est, X, None)
    _, _, sd = validate_da_data(est, X, None, reset=False)
    assert sd.tolist() == [-1, -1, -1, -1]


def test_regression_nan_mask_inferred():
    _, _, sd = validate_da_data(BaseEstimator(), np.zeros((3, 1)), np.array([0.3, np.nan, 2.0]))
    assert sd.tolist() == [1, -1, 1]


def test_merge_and_split_round_trip():
    rng = np.random.RandomState(0)
    Xs, ys, Xt = rng.randn(5, 3), np.arange(5) % 2, rng.randn(4, 3)
    X, y, sd = merge_domains(Xs, ys, Xt)
    assert X.shape == (9, 3) and y[5:].tolist() == [-1] * 4 and sd.tolist() == [1] * 5 + [-1] * 4
    Xs2, ys2, Xt2, yt2 = split_domains(X, y, sd)
    np.testing.assert_array_equal(Xs2, Xs)
    np.testing.assert_array_equal(ys2, ys)
    np.testing.assert_array_equal(Xt2, Xt)
    assert yt2.tolist() == [-1] * 4
    # inferred from the mask when sample_domain is absent
    assert split_domains(X, y)[2].shape == (4, 3)


def test_merge_regression_masks_with_nan():
    _, y, _ = merge_domains(np.zeros((2, 1)), np.array([0.5, 1.5]), np.zeros((3, 1)))
    assert np.isnan(y[2:]).all()


def test_merge_sparse():
    from scipy import sparse

    X, _, _ = merge_domains(sparse.eye(3, format="csr"), [0, 1, 0], np.ones((2, 3)))
    assert sparse.issparse(X) and X.shape == (5, 3)


def test_mismatched_feature_counts_error_names_the_fix():
    with pytest.raises(ValueError, match="same features"):
        merge_domains(np.zeros((2, 3)), [0, 1], np.zeros((2, 4)))


def test_transform_with_other_feature_count_raises():
    X, y, _ = merge_domains(
        _RNG.standard_normal((10, 3)), np.arange(10) % 2, _RNG.standard_normal((8, 3))
    )
    coral = CORALAligner().fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        coral.transform(np.zeros((2, 4)))


@pytest.mark.parametrize(
    "sample_domain, match",
    [
        ([1, 1, -1], "3 entries but X has 4 rows"),
        ([1, 0, -1, -1], "contains 0"),
        ([1.5, 1, -1, -1], "integers"),
        (["a", "b", "c", "d"], "integers"),
        ([[1, 1, -1, -1]], "1-d"),
    ],
)
def test_bad_sample_domain(sample_domain, match):
    with pytest.raises(ValueError, match=match):
        check_sample_domain(np.asarray(sample_domain), 4)


def test_no_target_rows_with_explicit_sample_domain():
    X, y = _RNG.standard_normal((6, 2)), np.array([0, 1] * 3)
    with pytest.raises(ValueError, match="needs target rows"):
        CORALAligner().fit(X, y, sample_domain=np.ones(6, dtype=int))


def test_no_labelled_source_rows():
    with pytest.raises(ValueError, match="marks as source have a masked label"):
        validate_da_data(
            BaseEstimator(),
            np.zeros((3, 1)),
            np.array([-1, -1, -1]),
            np.array([1, 1, -1]),
            require_labelled_source=True,
        )
    with pytest.raises(ValueError, match="no source row: every label is masked"):
        validate_da_data(
            BaseEstimator(),
            np.zeros((3, 1)),
            np.array([-1, -1, -1]),
            require_labelled_source=True,
        )
    with pytest.raises(ValueError, match="no labelled row"):
        LabelledOnly(LogisticRegression()).fit(np.zeros((3, 1)), [-1, -1, -1])


def test_single_class_is_reported():
    X = _RNG.standard_normal((6, 2))
    with pytest.raises(ValueError, match="class"):
        make_da_pipeline(CORALAligner(), LogisticRegression()).fit(X, [0, 0, 0, -1, -1, -1])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X(bad):
    X = _RNG.standard_normal((6, 2))
    X[1, 1] = bad
    with pytest.raises(ValueError, match="Input X contains"):
        CORALAligner().fit(X, [0, 1, 0, -1, -1, -1])


def test_unfitted_use():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CORALAligner().transform(np.zeros((2, 2)))
    with pytest.raises(NotFittedError):
        LabelledOnly(LogisticRegression()).predict(np.zeros((2, 2)))


def test_string_labels_mixed_with_mask():
    y = np.array(["cat", "dog", -1, -1], dtype=object)
    with pytest.raises(ValueError, match="LabelEncoder"):
        CORALAligner().fit(_RNG.standard_normal((4, 2)), y)


def test_string_labels_without_mask_work_in_labelled_only():
    clf = LabelledOnly(LogisticRegression()).fit(_RNG.standard_normal((4, 2)), ["a", "b", "a", "b"])
    assert set(clf.classes_) == {"a", "b"}


def test_labelled_only_drops_masked_rows_and_keeps_labelled_target():
    rng = np.random.RandomState(0)
    X = rng.randn(8, 2)
    y = np.array([0, 1, 0, 1, -1, -1, 1, 0])
    clf = LabelledOnly(LogisticRegression()).fit(X, y)
    ref = LogisticRegression().fit(X[y != -1], y[y != -1])
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))
    assert clf.classes_.tolist() == [0, 1]


def test_labelled_only_target_domain_fits_the_labelled_target_rows_alone():
    rng = np.random.RandomState(0)
    X = rng.randn(12, 2)
    y = np.array([0, 1, 0, 1, 0, 1, 1, 0, 1, 0, -1, -1])
    sd = np.r_[np.ones(6, dtype=int), -np.ones(6, dtype=int)]
    with pytest.warns(UserWarning, match="labels of 4 of 6 target rows"):
        clf = LabelledOnly(LogisticRegression(), domains="target").fit(X, y, sample_domain=sd)
    ref = LogisticRegression().fit(X[6:10], y[6:10])
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X))
    with pytest.raises(ValueError, match="no labelled target row"):
        LabelledOnly(LogisticRegression(), domains="target").fit(X, np.r_[y[:6], -np.ones(6)])


def test_labelled_only_regression_and_score_ignores_masked_rows():
    rng = np.random.RandomState(0)
    X = rng.randn(10, 2)
    y = X @ [1.0, 2.0]
    y_masked = y.copy()
    y_masked[5:] = np.nan
    reg = LabelledOnly(Ridge()).fit(X, y_masked)
    assert reg.score(X, y_masked) == pytest.approx(Ridge().fit(X[:5], y[:5]).score(X[:5], y[:5]))
    assert np.isnan(reg.score(X[5:], y_masked[5:]))


def test_make_da_pipeline_wraps_only_plain_final_estimators():
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    assert isinstance(pipe.steps[-1][1], LabelledOnly)
    pipe = make_da_pipeline(CORALAligner())
    assert isinstance(pipe.steps[-1][1], CORALAligner)
    pipe = make_da_pipeline(LabelledOnly(LogisticRegression()))
    assert isinstance(pipe.steps[-1][1].estimator, LogisticRegression)


def test_domain_balanced_weights_give_each_domain_the_same_total():
    from skxfer._domains import domain_balanced_weights

    sd = np.r_[np.ones(90, dtype=int), 2 * np.ones(6, dtype=int), -np.ones(4, dtype=int)]
    w = domain_balanced_weights(sd)
    totals = [w[sd == d].sum() for d in (1, 2, -1)]
    np.testing.assert_allclose(totals, [100 / 3] * 3)
    assert w.mean() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="neither source nor target"):
        domain_balanced_weights([1, 0, -1])


def test_labelled_only_balanced_fits_with_domain_weights():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    from skxfer._domains import domain_balanced_weights

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    sd = np.r_[np.ones(50, dtype=int), -np.ones(10, dtype=int)]
    y_semi = y.copy()
    y_semi[55:] = -1  # five labelled target rows, five masked
    keep = y_semi != -1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # labelled target rows, on purpose
        pooled = LabelledOnly(LogisticRegression(), domain_weight="balanced")
        pooled.fit(X, y_semi, sample_domain=sd)
        manual = LogisticRegression().fit(
            X[keep], y[keep], sample_weight=domain_balanced_weights(sd[keep])
        )
        np.testing.assert_allclose(pooled.estimator_.coef_, manual.coef_)
        unweighted = LabelledOnly(LogisticRegression()).fit(X, y_semi, sample_domain=sd)
        assert not np.allclose(unweighted.estimator_.coef_, manual.coef_)
        with pytest.raises(TypeError, match="takes no sample_weight"):
            LabelledOnly(KNeighborsClassifier(), domain_weight="balanced").fit(
                X, y_semi, sample_domain=sd
            )
