"""Data sets for domain adaptation.

- Synthetic generators with a known shift: :func:`make_shifted_classification`,
  :func:`make_shifted_regression`.
- An embedded image task needing no download: :func:`load_digits_shift`.
- Real benchmarks from an offline copy or a checksummed download:
  :func:`load_office_caltech`, :func:`load_mnist_usps`, :func:`load_usps_mnist_raw`,
  :func:`load_amazon_reviews`, :func:`load_newsgroups`; named tasks through
  :func:`list_tasks` and :func:`load_task`.

Everything returns a :class:`DomainDataset` (or ``X, y, sample_domain`` on request):
source rows first, then target rows, ``sample_domain`` 1 / -1, 0-based labels.
"""

from ._base import DomainDataset, get_data_home
from ._digits import load_digits_shift
from ._fetch import fetch_file
from ._loaders import (
    load_amazon_reviews,
    load_mnist_usps,
    load_newsgroups,
    load_office_caltech,
    load_usps_mnist_raw,
    newsgroups_splits,
)
from ._synthetic import make_shifted_classification, make_shifted_regression
from ._tasks import list_datasets, list_tasks, load_task

__all__ = [
    "DomainDataset",
    "fetch_file",
    "get_data_home",
    "list_datasets",
    "list_tasks",
    "load_amazon_reviews",
    "load_digits_shift",
    "load_mnist_usps",
    "load_newsgroups",
    "load_office_caltech",
    "load_task",
    "load_usps_mnist_raw",
    "make_shifted_classification",
    "make_shifted_regression",
    "newsgroups_splits",
]
