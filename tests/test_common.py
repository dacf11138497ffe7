"""sklearn's estimator checks, skxfer's DA contract and row-order invariance."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import (
    CORALAligner,
    EasyTLClassifier,
    InstanceReweighter,
    JDAAligner,
    LabelledOnly,
    LinearOTAligner,
    MEDAClassifier,
    MMDAligner,
    OTAligner,
    SelfTrainingAdapter,
    SubspaceAligner,
)
from skxfer.base import BaseAdapter
from skxfer.utils.estimator_checks import check_da_contract, check_row_order_invariance

ESTIMATORS = [
    CORALAligner(),
    CORALAligner(reg=1.0, center=False),
    SubspaceAligner(n_components=1),
    LabelledOnly(LogisticRegression()),
    LabelledOnly(Ridge()),
    SelfTrainingAdapter(n_iter=2),
    EasyTLClassifier(),
    MEDAClassifier(n_components=2, n_iter=2),
]


#: Checks that conflict with the data contract itself, with the reason.
MASK_CONFLICT = {
    "check_classifiers_classes": (
        "it trains on the labels {-1, 1}; -1 is the mask of an unknown target label in "
        "skxfer's data contract (sklearn's semi-supervised convention), so those rows are "
        "dropped as unlabelled"
    ),
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, LabelledOnly) and isinstance(estimator.estimator, LogisticRegression):
        return MASK_CONFLICT
    if isinstance(estimator, (SelfTrainingAdapter, EasyTLClassifier, MEDAClassifier)):
        return MASK_CONFLICT
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        CORALAligner(),
        CORALAligner(reg=0.5),
        SubspaceAligner(n_components=2),
        LabelledOnly(LogisticRegression()),
        SelfTrainingAdapter(n_iter=3),
        EasyTLClassifier(),
        MEDAClassifier(n_components=2, n_iter=3),
    ],
    ids=repr,
)
def test_da_contract(estimator):
    check_da_contract(estimator)


class _FirstRowsShift(BaseAdapter):
    """Order-dependent on purpose: centres the target on its first five rows."""

    def _fit(self, X, y, source, target):
        self.shift_ = X[target][:5].mean(axis=0) - X[source].mean(axis=0)
        return self

    def _transform(self, X, sample_domain):
        return X - np.where(sample_domain[:, None] < 0, self.shift_, 0.0)


@pytest.mark.parametrize(
    "estimator",
    [
        CORALAligner(),
        SubspaceAligner(n_components=2),
        LabelledOnly(LogisticRegression()),
        MMDAligner(n_components=2),
        MMDAligner(n_components=2, kernel="rbf"),
        JDAAligner(n_components=2, n_iter=3),
        OTAligner(method="emd"),
        OTAligner(),
        OTAligner(method="lpl1"),
        LinearOTAligner(),
        InstanceReweighter(LogisticRegression(), density_ratio="kmm"),
        InstanceReweighter(LogisticRegression(), density_ratio="ulsif"),
        InstanceReweighter(LogisticRegression(), density_ratio="kliep"),
        SelfTrainingAdapter(n_iter=3),
        SelfTrainingAdapter(JDAAligner(n_components=2), n_iter=3),
        EasyTLClassifier(),
        MEDAClassifier(n_components=2, n_iter=3),
    ],
    ids=repr,
)
def test_row_order_invariance(estimator):
    check_row_order_invariance(estimator)


def test_row_order_check_catches_an_order_dependent_estimator():
    with pytest.raises(AssertionError, match="depends on the row order"):
        check_row_order_invariance(_FirstRowsShift())
