"""sklearn's estimator checks and skxfer's DA contract on every foundation estimator."""

import pytest
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import CORALAligner, LabelledOnly, SubspaceAligner
from skxfer.utils.estimator_checks import check_da_contract

ESTIMATORS = [
    CORALAligner(),
    CORALAligner(reg=1.0, center=False),
    SubspaceAligner(n_components=1),
    LabelledOnly(LogisticRegression()),
    LabelledOnly(Ridge()),
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
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [CORALAligner(), CORALAligner(reg=0.5), SubspaceAligner(n_components=2),
     LabelledOnly(LogisticRegression())],
    ids=repr,
)
def test_da_contract(estimator):
    check_da_contract(estimator)
