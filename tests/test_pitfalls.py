"""One test per trap of ``docs/pitfalls.rst``: each gave a wrong number without a word."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context as sklearn_config_context
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.preprocessing import StandardScaler

from skxfer import (
    CORALAligner,
    LabelledOnly,
    OTAligner,
    SmallTargetDomainWarning,
    TargetLabelsUsedWarning,
    config_context,
    make_da_pipeline,
    mask_target_labels,
)
from skxfer.model_selection import (
    DomainShuffleSplit,
    TransferSelector,
    compare_strategies,
    get_da_scorer,
)
from skxfer.utils.estimator_checks import check_row_order_invariance

from ._tasks import make_shift_task


@pytest.fixture
def task():
    """Shifted two-class task: ``X, y_masked, sd, y_all`` (y_all: every true label)."""
    X, y, sd, yt = make_shift_task(60, 60)
    y_all = y.copy()
    y_all[sd < 0] = yt
    return X, y, sd, y_all


# 1. target labels left in y ---------------------------------------------------------
def test_target_labels_left_in_y_are_refused_not_learned(task):
    X, y, sd, y_all = task
    pipe = make_da_pipeline(StandardScaler(), CORALAligner(), LogisticRegression())
    with pytest.raises(ValueError, match="every target row is labelled"):
        pipe.fit(X, y_all, sample_domain=sd)
    with sklearn_config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError, match="mask_target_labels"):
            make_da_pipeline(CORALAligner(), LogisticRegression()).fit(X, y_all, sample_domain=sd)
    # the fix named in the message gives the honest fit
    masked = pipe.fit(X, mask_target_labels(y_all, sd), sample_domain=sd).predict(X[sd < 0])
    np.testing.assert_array_equal(masked, pipe.fit(X, y).predict(X[sd < 0]))
    # opting in is explicit
    with config_context(allow_labelled_target=True), warnings.catch_warnings():
        warnings.simplefilter("error", TargetLabelsUsedWarning)
        pipe.fit(X, y_all, sample_domain=sd)


def test_a_few_labelled_target_rows_are_used_with_a_warning(task):
    X, y, sd, y_all = task
    y = y.copy()
    few = np.flatnonzero(sd < 0)[:4]
    y[few] = y_all[few]
    with pytest.warns(TargetLabelsUsedWarning, match="4 of 60 target rows"):
        LabelledOnly(LogisticRegression()).fit(X, y, sample_domain=sd)


def test_estimators_that_ignore_target_labels_never_see_them(task):
    X, y, sd, y_all = task
    ot = OTAligner(method="lpl1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetLabelsUsedWarning)
        leaked = ot.fit_transform(X, y_all, sample_domain=sd)
    np.testing.assert_allclose(leaked, OTAligner(method="lpl1").fit_transform(X, y, sd))


def test_compare_and_selector_refuse_a_fully_labelled_target(task):
    X, y, sd, y_all = task
    with pytest.raises(ValueError, match="compare_strategies: every target row"):
        compare_strategies(["coral"], X, y_all, sd, cv=2)
    with pytest.raises(ValueError, match="every target row is labelled"):
        TransferSelector(LogisticRegression(), strategies=["coral"], cv=2).fit(X, y_all, sd)


def test_opt_in_reaches_joblib_workers(task):
    X, y, sd, y_all = task
    with config_context(allow_labelled_target=True):
        report = compare_strategies(["coral"], X, y_all, sd, cv=2, n_jobs=2, error_score="raise")
    assert np.isfinite(report.scores["coral"]).all()


# 2. masked source rows, flipped sign ---------------------------------------------------
def test_masked_source_rows_and_flipped_signs_are_refused(task):
    X, y, sd, y_all = task
    with pytest.raises(ValueError, match="sign convention"):
        CORALAligner().fit(X, y, sample_domain=-sd)
    with pytest.raises(ValueError, match="signs look flipped"):
        LabelledOnly(LogisticRegression()).fit(X, np.where(sd > 0, -1, y_all), sample_domain=sd)


# 3. masked rows counted in scores --------------------------------------------------------
def test_da_scorer_leaves_masked_rows_out_where_sklearns_counts_them(task):
    X, y, sd, _ = task
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    folds = list(DomainShuffleSplit(3, random_state=0).split(X, y, sample_domain=sd))
    plain = cross_validate(pipe, X, y, cv=folds, scoring="accuracy")["test_score"]
    da = cross_validate(pipe, X, y, cv=folds, scoring=get_da_scorer("accuracy"))["test_score"]
    default = cross_validate(pipe, X, y, cv=folds)["test_score"]
    np.testing.assert_allclose(da, default)
    assert np.all(plain < da - 0.2)  # sklearn's scorer counts every masked row as wrong
    for name in ("balanced_accuracy", "f1_macro"):
        assert np.all(
            cross_validate(pipe, X, y, cv=folds, scoring=get_da_scorer(name))["test_score"] > 0.5
        )


def test_default_score_same_with_routing_on_and_off(task):
    X, y, sd, _ = task
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression())
    folds = list(DomainShuffleSplit(3, random_state=0).split(X, y, sample_domain=sd))
    off = cross_validate(pipe, X, y, cv=folds)["test_score"]
    with sklearn_config_context(enable_metadata_routing=True):
        on = cross_validate(pipe, X, y, cv=folds, params={"sample_domain": sd})["test_score"]
    np.testing.assert_allclose(off, on)


# 4. regression label -1.0 --------------------------------------------------------------
def test_regression_label_minus_one_is_a_label():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 2)
    y = X @ [1.0, -2.0]
    y[:10] = -1.0  # real labels
    y[30:] = np.nan  # masked target rows
    fitted = LabelledOnly(Ridge()).fit(X, y)
    expected = Ridge().fit(X[:30], y[:30])
    np.testing.assert_allclose(fitted.estimator_.coef_, expected.coef_)


# 5. crashes and raw errors ---------------------------------------------------------------
def test_no_source_row_is_named(task):
    X, y, sd, _ = task
    with pytest.raises(ValueError, match="no source row"):
        OTAligner().fit(X, np.full_like(y, -1))
    with pytest.raises(ValueError, match="no source row"):
        CORALAligner().fit(X, np.full_like(y, -1), sample_domain=-np.abs(sd))


def test_string_labels_masked_with_none(task):
    X, y, sd, _ = task
    labels = np.array([None if v < 0 else f"c{v}" for v in y], dtype=object)
    with pytest.raises(ValueError, match="contains None"):
        LabelledOnly(LogisticRegression()).fit(X, labels)


def test_one_row_target_domain_warns(task):
    X, y, sd, _ = task
    keep = np.r_[np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)[:1]]
    with pytest.warns(SmallTargetDomainWarning, match="1 row"):
        CORALAligner().fit(X[keep], y[keep])


def test_pipeline_takes_sample_domain_with_routing_off(task):
    X, y, sd, _ = task
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression()).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(pipe[0].target_cov_.mean, X[sd < 0].mean(0))
    # and GridSearchCV hands it on, routing still off
    GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=2).fit(X, y, sample_domain=sd)


def test_deep_pitfalls(task):
    torch = pytest.importorskip("torch")
    from skxfer.deep import ADDAClassifier, DANNClassifier

    X, y, sd, _ = task
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="only device here is 'cpu'"):
            DANNClassifier(device="cuda", max_epochs=1).fit(X, y)
    images = np.random.RandomState(0).rand(len(y), 16, 16, 3).astype(np.float32)
    with pytest.raises(ValueError, match="channels-last"):
        DANNClassifier(max_epochs=1).fit(images, y)
    with pytest.raises(ValueError, match="at least two classes"):
        DANNClassifier(max_epochs=1).fit(X, np.where(y >= 0, 0, y))
    adda = ADDAClassifier(max_epochs=4, pretrain_epochs=2, batch_size=16, random_state=0)
    first = adda.fit(X, y).predict_proba(X[sd < 0])
    again = pickle.loads(pickle.dumps(adda)).fit(X, y).predict_proba(X[sd < 0])
    np.testing.assert_array_equal(first, again)
    # minibatches follow the rows' content, not their positions: shuffling changes nothing
    for seed in range(3):
        check_row_order_invariance(adda, X, y, sd, random_state=seed)
        check_row_order_invariance(
            DANNClassifier(max_epochs=2, batch_size=16), X, y, sd, random_state=seed
        )


# 6. step names ---------------------------------------------------------------------------
def test_make_da_pipeline_keeps_sklearn_step_names(task):
    X, y, sd, _ = task
    pipe = make_da_pipeline(StandardScaler(), CORALAligner(), LogisticRegression())
    assert [n for n, _ in pipe.steps] == ["standardscaler", "coralaligner", "logisticregression"]
    search = GridSearchCV(pipe, {"logisticregression__C": [1e-4, 10.0]}, cv=2).fit(X, y)
    assert search.best_estimator_[-1].estimator.C in (1e-4, 10.0)
    assert pipe.set_params(logisticregression__C=3.0)[-1].estimator.C == 3.0
    with pytest.raises(ValueError, match="Invalid parameter"):
        pipe.set_params(logisticregression__no_such=1)
