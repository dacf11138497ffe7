"""Named benchmark tasks: ``list_tasks`` and the ``load_task`` dispatcher."""

import re

from ._digits import load_digits_shift
from ._loaders import (
    NEWSGROUPS_CATEGORIES,
    load_amazon_reviews,
    load_mnist_usps,
    load_newsgroups,
    load_office_caltech,
    load_usps_mnist_raw,
)

__all__ = ["list_datasets", "list_tasks", "load_task"]

_OFFICE_TASKS = [
    "C->A",
    "C->W",
    "C->D",
    "A->C",
    "A->W",
    "A->D",
    "W->C",
    "W->A",
    "W->D",
    "D->C",
    "D->A",
    "D->W",
]
_AMAZON_TASKS = [f"{s}->{t}" for s in "BDEK" for t in "BDEK" if s != t]
_DIGIT_TASKS = ["usps->mnist", "mnist->usps"]
_NEWS_TASKS = [
    f"{a}_vs_{b}"
    for i, a in enumerate(NEWSGROUPS_CATEGORIES)
    for b in NEWSGROUPS_CATEGORIES[i + 1 :]
]

_DATASETS = {
    "digits": (["original->transformed"], None),
    "office_caltech": (_OFFICE_TASKS, load_office_caltech),
    "mnist_usps": (_DIGIT_TASKS, load_mnist_usps),
    "usps_mnist_raw": (_DIGIT_TASKS, load_usps_mnist_raw),
    "amazon": (_AMAZON_TASKS, load_amazon_reviews),
    "newsgroups": (_NEWS_TASKS, load_newsgroups),
}
_DATASET_ALIASES = {
    "office": "office_caltech",
    "office_caltech10": "office_caltech",
    "amazon_reviews": "amazon",
    "mnist_usps_jda": "mnist_usps",
    "20newsgroups": "newsgroups",
    "digits_shift": "digits",
}


def _dataset(name):
    key = str(name).strip().lower().replace("-", "_")
    key = _DATASET_ALIASES.get(key, key)
    if key not in _DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {list_datasets()}.")
    return key


def list_datasets():
    """Names accepted by :func:`list_tasks` and :func:`load_task`.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from skxfer.datasets import list_datasets
    >>> list_datasets()[0]
    'digits'
    """
    return list(_DATASETS)


def list_tasks(dataset="digits"):
    """Standard tasks of a dataset, spelled as :func:`load_task` accepts them.

    Office-Caltech10 and Amazon reviews: the 12 ordered domain pairs (``"C->A"``, ...);
    MNIST-USPS: ``"usps->mnist"`` and ``"mnist->usps"``; 20 Newsgroups: the 6
    category pairs (``"comp_vs_rec"``, ...); digits: its one embedded task.

    Parameters
    ----------
    dataset : str, default="digits"
        One of :func:`list_datasets`.

    Returns
    -------
    tasks : list of str

    Examples
    --------
    >>> from skxfer.datasets import list_tasks
    >>> len(list_tasks("office_caltech")), list_tasks("mnist_usps")
    (12, ['usps->mnist', 'mnist->usps'])
    """
    return list(_DATASETS[_dataset(dataset)][0])


def _split_task(task, dataset):
    parts = re.split(r"\s*(?:->|→|_to_)\s*", task)
    if dataset == "newsgroups":
        parts = re.split(r"_vs_|->|→", task)
    if not parts or len(parts) != 2 or not all(parts):
        raise ValueError(
            f"Cannot read task {task!r} of {dataset!r}: write it 'source->target', e.g. "
            f"{list_tasks(dataset)[0]!r}."
        )
    return parts[0].strip(), parts[1].strip()


def load_task(dataset="digits", task=None, data_home=None, **kwargs):
    """Load one task of a dataset as a :class:`DomainDataset`.

    Parameters
    ----------
    dataset : str, default="digits"
        One of :func:`list_datasets`: ``"digits"`` (embedded, no download),
        ``"office_caltech"``, ``"mnist_usps"``, ``"usps_mnist_raw"``, ``"amazon"``,
        ``"newsgroups"``.
    task : str, default=None
        ``"source->target"`` with full or short domain names, case-insensitive
        (``"A->W"``, ``"amazon->webcam"``, ``"usps->mnist"``); for newsgroups
        ``"comp_vs_rec"`` (positive category first). ``None`` is the first of
        :func:`list_tasks` (``"D->W"`` for Office with ``features="decaf6"``).
    data_home : path-like, default=None
        Data folder of the real benchmarks (ignored by ``"digits"``).
    **kwargs : dict
        Passed to the loader (``features=``, ``size=``, ``source_subsets=``,
        ``random_state=`` for digits, ...).

    Returns
    -------
    dataset : DomainDataset

    Examples
    --------
    >>> from skxfer.datasets import load_task
    >>> ds = load_task("digits")
    >>> ds.domain_names
    {1: 'original', -1: 'transformed'}
    """
    key = _dataset(dataset)
    tasks, loader = _DATASETS[key]
    if key == "digits":
        if task not in (None, *tasks):
            raise ValueError(f"The digits dataset has one task, {tasks[0]!r}; got {task!r}.")
        return load_digits_shift(**kwargs)
    if task is None:
        decaf = str(kwargs.get("features", "surf")).lower().startswith("decaf")
        task = "D->W" if key == "office_caltech" and decaf else tasks[0]
    source, target = _split_task(str(task), key)
    return loader(source, target, data_home=data_home, **kwargs)
