"""One catalogue of bad and awkward inputs, run on every public estimator and strategy.

As sklearn's ``test_common`` loops over ``all_estimators()``, this module loops over
every registered strategy (:func:`skxfer.list_strategies`) and every public estimator
class in ``skxfer.__all__``, each built with what it needs (a source model, a small
network, labelled target rows). Every bad input must be refused with a ``ValueError``,
``TypeError`` or ``NotFittedError`` whose message names the problem; every acceptable
input must give finite, well-formed output. Nothing silent, no other exception.
"""

import functools
import pickle
import warnings
from importlib.metadata import entry_points

import numpy as np
import pytest
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils import get_tags

import skxfer
from skxfer import TargetLabelsUsedWarning, config_context, get_da_tags
from skxfer.registry import get_strategy, list_strategies, make_strategy

torch = pytest.importorskip("torch")

N_SOURCE, N_TARGET, N_FEATURES, N_CLASSES = 45, 30, 4, 3
DEEP = {"max_epochs": 2, "batch_size": 16, "random_state": 0}


# ----------------------------------------------------------------------------- the task
def _task(regression=False, seed=0):
    """Three shifted classes (or a shifted linear response): ``X, y_masked, sd, y_true``."""
    rng = np.random.RandomState(seed)
    centres = rng.randn(N_CLASSES, N_FEATURES) * 2.0
    ys = np.arange(N_SOURCE) % N_CLASSES
    yt = np.arange(N_TARGET) % N_CLASSES
    Xs = centres[ys] + rng.randn(N_SOURCE, N_FEATURES)
    Xt = 1.2 * (centres[yt] + rng.randn(N_TARGET, N_FEATURES)) + 0.5
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(N_SOURCE, dtype=np.int64), -np.ones(N_TARGET, dtype=np.int64)]
    if regression:
        w = np.linspace(1.0, -1.0, N_FEATURES)
        y_true = X @ w + 0.1 * rng.randn(X.shape[0])
        y = y_true.copy()
        y[sd < 0] = np.nan
        return X, y, sd, y_true
    y_true = np.r_[ys, yt].astype(np.int64)
    y = y_true.copy()
    y[sd < 0] = -1
    return X, y, sd, y_true


def _mask(regression):
    return np.nan if regression else -1


# ------------------------------------------------------------------- the instances
@functools.cache
def _source_network():
    """A small classifier trained on the task's source rows (for SHOT)."""
    from skxfer.deep import DeepDAClassifier

    X, y, sd, _ = _task()
    return DeepDAClassifier(alignment="none", **DEEP).fit(X[sd > 0], y[sd > 0])


def _strategy(name):
    cls = get_strategy(name)
    kind = get_da_tags(cls()).kind
    if kind == "weighting":
        return make_strategy(name, LogisticRegression())
    if name == "shot":
        from sklearn.frozen import FrozenEstimator

        return cls(FrozenEstimator(_source_network()), max_epochs=2, batch_size=16, random_state=0)
    if name == "finetune":
        return cls(pretrain_epochs=2, **DEEP)
    if name == "adda":
        return cls(pretrain_epochs=2, **DEEP)
    if name == "relation":
        return cls()
    if cls.__module__.startswith("skxfer.deep"):
        return cls(**DEEP)
    return cls()


def _public(name):
    cls = getattr(skxfer, name)
    if name == "LabelledOnly":
        return cls(LogisticRegression())
    if name == "InstanceReweighter":
        return cls(LogisticRegression())
    if name == "TransferSelector":
        return cls(LogisticRegression(), strategies=["coral", "sa"], cv=2)
    if name == "PerDomain":
        from sklearn.preprocessing import StandardScaler

        return cls(StandardScaler())
    if name == "TorchFeatureExtractor":
        net = torch.nn.Sequential(
            torch.nn.Linear(N_FEATURES, 8), torch.nn.ReLU(), torch.nn.Linear(8, N_CLASSES)
        )
        return cls(net)
    if name in ("DeepDAClassifier", "DeepDARegressor", "DANNRegressor"):
        return cls(**DEEP)
    if name == "FineTuneRegressor":
        return cls(pretrain_epochs=2, **DEEP)
    return cls(**DEEP)


#: Public estimator classes that no registered strategy already covers.
EXTRA_PUBLIC = [
    "LabelledOnly",
    "InstanceReweighter",
    "TransferSelector",
    "TorchFeatureExtractor",
    "PerDomain",
    "DeepDAClassifier",
    "DeepDARegressor",
    "DANNRegressor",
    "FineTuneRegressor",
]
#: Every strategy a package registers (run-time registrations of other test modules, such
#: as test_model_selection's deliberately bad "test_noise", are fixtures, not products).
PACKAGED = sorted(ep.name for ep in entry_points(group="skxfer.strategies"))
INSTANCES = {name: functools.partial(_strategy, name) for name in PACKAGED}
INSTANCES.update({name: functools.partial(_public, name) for name in EXTRA_PUBLIC})
INSTANCES["LabelledOnly(Ridge)"] = lambda: skxfer.LabelledOnly(Ridge())
NAMES = sorted(INSTANCES)


def test_catalogue_covers_every_public_estimator_and_strategy():
    from sklearn.base import BaseEstimator

    covered = {type(make()).__name__ for make in INSTANCES.values()}
    covered |= {type(getattr(make(), "estimator", None)).__name__ for make in INSTANCES.values()}
    public = {
        name
        for name in skxfer.__all__
        if isinstance(getattr(skxfer, name), type)
        and issubclass(getattr(skxfer, name), BaseEstimator)
        and not getattr(getattr(skxfer, name), "__abstractmethods__", None)
    }
    assert public - covered - {"DAPipeline"} == set()
    assert set(PACKAGED) <= set(INSTANCES)
    assert set(PACKAGED) <= set(list_strategies())


# ----------------------------------------------------------------------------- helpers
def _is_regression(est):
    return is_regressor(est)


def _is_transformer(est):
    return hasattr(est, "transform") and not hasattr(est, "predict")


def _output(fitted, X):
    if _is_transformer(fitted):
        return np.asarray(fitted.transform(X), dtype=float)
    return np.asarray(fitted.predict(X))


def _check_output(est, fitted, X, classes=None):
    out = _output(fitted, X)
    n_rows = len(X)
    assert out.shape[0] == n_rows, f"{out.shape} rows for {n_rows} inputs"
    if _is_transformer(fitted):
        assert out.ndim == 2 and np.isfinite(out).all()
    elif _is_regression(est):
        assert out.ndim == 1 and np.isfinite(out.astype(float)).all()
    else:
        assert out.ndim == 1
        allowed = set(np.unique(classes if classes is not None else np.arange(N_CLASSES)))
        assert set(np.unique(out)) <= allowed, f"predicted {np.unique(out)}"
        if hasattr(fitted, "predict_proba"):
            proba = fitted.predict_proba(X)
            assert np.isfinite(proba).all()
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    return out


def _fit(est, X, y, sd=None, **extra):
    params = {} if sd is None else {"sample_domain": sd}
    return est.fit(X, y, **params, **extra)


def _warns_for_target_labels(est):
    """Whether fit announces labelled target rows (used, but not its required input)."""
    tags = get_da_tags(est)
    return tags.uses_target_labels and not tags.requires_target_labels


#: Cases about source rows and their labels, which a source-free estimator never gets.
SOURCE_CASES = {
    "masked_source_labels",
    "no_labelled_row",
    "no_source_row",
    "a_single_class",
    "y_of_wrong_length",
    "string_labels_masked_with_none",
    "every_target_row_labelled",
    "a_few_labelled_target_rows",
    "two_source_domains",
    "sample_domain_sign_flipped",
}


def _setup(name, case):
    est = INSTANCES[name]()
    regression = _is_regression(est)
    X, y, sd, y_true = _task(regression)
    tags = get_da_tags(est)
    if tags.family == "source_free":
        if case in SOURCE_CASES:
            pytest.skip("a source-free estimator is fitted on target rows only, without y")
        target = sd < 0
        return est, regression, X[target], y[target], sd[target], y_true[target]
    if tags.requires_target_labels:
        # supervised on the target: give it a few labelled target rows
        y = y.copy()
        few = np.flatnonzero(sd < 0)[: 2 * N_CLASSES]
        y[few] = y_true[few]
    return est, regression, X, y, sd, y_true


def _refuse(est, X, y, sd, match, errors=(ValueError, TypeError)):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TargetLabelsUsedWarning)
        with pytest.raises(errors, match=match):
            _fit(est, X, y, sd)


# ------------------------------------------------------------------------ bad inputs
BAD = {}


def _bad(fn):
    BAD[fn.__name__] = fn
    return fn


@_bad
def nan_in_X(est, regression, X, y, sd):
    X = X.copy()
    X[3, 1] = np.nan
    if get_tags(est).input_tags.allow_nan:  # e.g. PerDomain(StandardScaler())
        assert _output(_fit(est, X, y, sd), X).shape[0] == X.shape[0]
        return
    _refuse(est, X, y, sd, "NaN")


@_bad
def inf_in_X(est, regression, X, y, sd):
    X = X.copy()
    X[3, 1] = np.inf
    _refuse(est, X, y, sd, "(?i)infinity|inf")


@_bad
def complex_X(est, regression, X, y, sd):
    _refuse(est, X + 1j, y, sd, "(?i)complex")


@_bad
def one_dimensional_X(est, regression, X, y, sd):
    _refuse(est, X[:, 0], y, sd, "(?i)2D|2-d|reshape")


@_bad
def y_of_wrong_length(est, regression, X, y, sd):
    _refuse(est, X, y[:-3], sd, "(?i)inconsistent|entries|rows")


@_bad
def sample_domain_with_zero(est, regression, X, y, sd):
    sd = sd.copy()
    sd[0] = 0
    _refuse(est, X, y, sd, "contains 0")


@_bad
def sample_domain_of_wrong_length(est, regression, X, y, sd):
    _refuse(est, X, y, sd[:-2], "one domain index per row")


@_bad
def sample_domain_scalar(est, regression, X, y, sd):
    _refuse(est, X, y, 1, "1-d array")


@_bad
def sample_domain_sign_flipped(est, regression, X, y, sd):
    _refuse(est, X, y, -sd, "(?i)sign")


@_bad
def masked_source_labels(est, regression, X, y, sd):
    y = y.copy()
    y[:5] = _mask(regression)
    _refuse(est, X, y, sd, "masked.*source|source.*masked")


def _needs_source(est):
    """Everything but a plain feature extractor needs source rows."""
    return get_da_tags(est).requires_target or not _is_transformer(est)


@_bad
def no_labelled_row(est, regression, X, y, sd):
    y = np.full_like(y, _mask(regression))
    if not _needs_source(est):
        _check_output(est, _fit(est, X, y), X)
        return
    _refuse(est, X, y, None, "(?i)no labelled|labelled row|no source")


@_bad
def no_source_row(est, regression, X, y, sd):
    y = np.full_like(y, _mask(regression))
    if not _needs_source(est):
        _check_output(est, _fit(est, X, y, -np.abs(sd)), X)
        return
    _refuse(est, X, y, -np.abs(sd), "(?i)no source|no labelled|labelled source")


@_bad
def a_single_class(est, regression, X, y, sd):
    if regression or _is_transformer(est):
        pytest.skip("only estimators that predict classes need two of them")
    y = np.where(y >= 0, 0, y)
    _refuse(est, X, y, sd, "(?i)class")


@_bad
def string_labels_masked_with_none(est, regression, X, y, sd):
    if regression:
        pytest.skip("string labels are a classification notion")
    y = np.array([None if v < 0 else f"c{v}" for v in y], dtype=object)
    _refuse(est, X, y, sd, "(?i)mask")


@_bad
def unfitted_use(est, regression, X, y, sd):
    method = "transform" if _is_transformer(est) else "predict"
    with pytest.raises(NotFittedError):
        getattr(est, method)(X)


@_bad
def fewer_features_at_predict(est, regression, X, y, sd):
    fitted = _fit(est, X, y, sd)
    method = "transform" if _is_transformer(est) else "predict"
    with pytest.raises(ValueError, match="(?i)features"):
        getattr(fitted, method)(X[:, :-1])


@_bad
def unknown_option_value(est, regression, X, y, sd):
    params = est.get_params(deep=False)
    name = next(
        (
            p
            for p in (
                "method",
                "alignment",
                "kernel",
                "freeze",
                "source_output",
                "device",
                "fallback",
                "layer",
            )
            if p in params
        ),
        None,
    )
    if name is None:
        name = next(
            (
                p
                for p, v in sorted(params.items())
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            ),
            sorted(params)[0],
        )
    est.set_params(**{name: "no-such-option"})
    _refuse(est, X, y, sd, "(?i)" + name + "|no-such-option")


@_bad
def every_target_row_labelled(est, regression, X, y, sd):
    """Target labels left in y: refused, unless opted in; never used silently."""
    tags = get_da_tags(est)
    if tags.requires_target_labels:
        # Supervised on the target (fine-tuning, relation): labelled rows are its input.
        _, _, _, y_true = _task(regression)
        with warnings.catch_warnings():
            warnings.simplefilter("error", TargetLabelsUsedWarning)
            _check_output(est, _fit(clone(est), X, y_true, sd), X[sd < 0])
        return
    if not tags.uses_target_labels:
        # The estimator ignores target labels: identical output with or without them.
        masked = _output(_fit(clone(est), X, y, sd), X[sd < 0])
        _, _, _, y_true = _task(regression)
        with warnings.catch_warnings():
            warnings.simplefilter("error", TargetLabelsUsedWarning)
            unmasked = _output(_fit(clone(est), X, y_true, sd), X[sd < 0])
        np.testing.assert_allclose(np.asarray(unmasked, float), np.asarray(masked, float))
        return
    _, _, _, y_true = _task(regression)
    _refuse(est, X, y_true, sd, "(?i)every target row.*label|all.*target.*label")
    with config_context(allow_labelled_target=True), warnings.catch_warnings():
        warnings.simplefilter("error", TargetLabelsUsedWarning)
        _check_output(est, _fit(clone(est), X, y_true, sd), X[sd < 0])


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("name", NAMES)
def test_bad_input(name, case):
    est, regression, X, y, sd, _ = _setup(name, case)
    BAD[case](est, regression, X, y, sd)


# ------------------------------------------------------------------ acceptable inputs
GOOD = {}


def _good(fn):
    GOOD[fn.__name__] = fn
    return fn


@_good
def python_lists(est, regression, X, y, sd):
    fitted = _fit(est, X.tolist(), y.tolist(), sd.tolist())
    _check_output(est, fitted, X[sd < 0].tolist())


@_good
def float32(est, regression, X, y, sd):
    fitted = _fit(est, X.astype(np.float32), y, sd)
    _check_output(est, fitted, X[sd < 0].astype(np.float32))


@_good
def dataframe(est, regression, X, y, sd):
    pd = pytest.importorskip("pandas")
    cols = [f"f{i}" for i in range(X.shape[1])]
    fitted = _fit(est, pd.DataFrame(X, columns=cols), pd.Series(y), pd.Series(sd))
    _check_output(est, fitted, pd.DataFrame(X[sd < 0], columns=cols))


@_good
def constant_feature(est, regression, X, y, sd):
    X = X.copy()
    X[:, 2] = 3.0
    _check_output(est, _fit(est, X, y, sd), X[sd < 0])


@_good
def features_at_1e8_scale(est, regression, X, y, sd):
    X = X * 1e8
    _check_output(est, _fit(est, X, y, sd), X[sd < 0])


@_good
def one_target_row(est, regression, X, y, sd):
    keep = np.r_[np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)[:1]]
    if get_da_tags(est).family == "relation":
        # its target task is learnt from the labelled target rows alone: one row, one class
        with pytest.raises(ValueError, match="(?i)two classes"):
            _fit(est, X[keep], y[keep], sd[keep])
        return
    if get_da_tags(est).requires_target:
        with pytest.warns(UserWarning, match="(?i)target domain .* 1 row"):
            fitted = _fit(est, X[keep], y[keep], sd[keep])
    else:
        fitted = _fit(est, X[keep], y[keep], sd[keep])
    _check_output(est, fitted, X[sd < 0])


@_good
def pickle_round_trip(est, regression, X, y, sd):
    fitted = _fit(est, X, y, sd)
    before = _output(fitted, X[sd < 0])
    after = _output(pickle.loads(pickle.dumps(fitted)), X[sd < 0])
    np.testing.assert_array_equal(before, after)


@_good
def same_random_state_twice(est, regression, X, y, sd):
    seeded = {k: 0 for k in est.get_params() if k.endswith("random_state")}
    est.set_params(**seeded)
    first = _output(_fit(clone(est), X, y, sd), X[sd < 0])
    second = _output(_fit(clone(est), X, y, sd), X[sd < 0])
    np.testing.assert_array_equal(first, second)


@_good
def inputs_unchanged(est, regression, X, y, sd):
    copies = [a.copy() for a in (X, y, sd)]
    _fit(est, X, y, sd)
    for before, after in zip(copies, (X, y, sd), strict=True):
        np.testing.assert_array_equal(before, after)


@_good
def a_few_labelled_target_rows(est, regression, X, y, sd):
    _, _, _, y_true = _task(regression)
    y = y.copy()
    few = np.flatnonzero(sd < 0)[: 2 * N_CLASSES]
    y[few] = y_true[few]
    if _warns_for_target_labels(est):
        with pytest.warns(TargetLabelsUsedWarning, match=f"{len(few)} of {N_TARGET}"):
            fitted = _fit(est, X, y, sd)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", TargetLabelsUsedWarning)
            fitted = _fit(est, X, y, sd)
    _check_output(est, fitted, X[sd < 0])


@_good
def two_source_domains(est, regression, X, y, sd):
    sd = sd.copy()
    sd[: N_SOURCE // 2] = 2
    _check_output(est, _fit(est, X, y, sd), X[sd < 0])


@pytest.mark.parametrize("case", sorted(GOOD))
@pytest.mark.parametrize("name", NAMES)
def test_acceptable_input(name, case):
    est, regression, X, y, sd, _ = _setup(name, case)
    GOOD[case](est, regression, X, y, sd)
