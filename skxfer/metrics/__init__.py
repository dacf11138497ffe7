"""Shift diagnostics between the source and the target domains."""

from ._shift import (
    MMDTestResult,
    coral_distance,
    domain_classifier_auc,
    mmd2,
    mmd_test,
    proxy_a_distance,
    wasserstein_distance,
)

__all__ = [
    "MMDTestResult",
    "coral_distance",
    "domain_classifier_auc",
    "mmd2",
    "mmd_test",
    "proxy_a_distance",
    "wasserstein_distance",
]
