"""Tests of skxfer.datasets: generators, the digits task, loaders, checksums, fetching."""

import hashlib
import subprocess
import sys
import urllib.error

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skxfer import CORALAligner, make_da_pipeline
from skxfer.datasets import (
    DomainDataset,
    _fetch,
    fetch_file,
    get_data_home,
    list_datasets,
    list_tasks,
    load_amazon_reviews,
    load_digits_shift,
    load_mnist_usps,
    load_newsgroups,
    load_office_caltech,
    load_task,
    load_usps_mnist_raw,
    make_shifted_classification,
    make_shifted_regression,
    newsgroups_splits,
)

SHIFTS = ["covariate", "prior", "conditional", "subspace"]


# --- DomainDataset --------------------------------------------------------------------
def test_domain_dataset_masks_and_pack():
    ds = DomainDataset(
        np.arange(8.0).reshape(4, 2),
        np.array([0, 1, 2, 1]),
        np.array([1, 1, -1, -1]),
        domain_names={1: "s", -1: "t"},
    )
    assert ds.y.tolist() == [0, 1, -1, -1]
    assert ds.y_true.tolist() == [0, 1, 2, 1]  # y is a copy
    X, y, sd = ds.pack(mask_target=False)
    assert y.tolist() == [0, 1, 2, 1] and sd.tolist() == [1, 1, -1, -1]
    assert ds.X_target.tolist() == [[4, 5], [6, 7]] and ds.y_target.tolist() == [2, 1]
    reg = DomainDataset(np.zeros((2, 1)), np.array([0.5, 1.5]), np.array([1, -1]))
    assert np.isnan(reg.y[1]) and reg.y[0] == 0.5
    with pytest.raises(ValueError, match="never 0"):
        DomainDataset(np.zeros((2, 1)), np.array([0, 1]), np.array([1, 0]))


# --- synthetic generators ---------------------------------------------------------------
@pytest.mark.parametrize("shift", SHIFTS)
@pytest.mark.parametrize("n_features, n_classes", [(2, 2), (6, 4)])
def test_classification_contract(shift, n_features, n_classes):
    X, y, sd = make_shifted_classification(
        n_samples_source=120,
        n_samples_target=80,
        n_features=n_features,
        n_classes=n_classes,
        shift=shift,
        random_state=0,
    )
    assert X.shape == (200, n_features) and X.dtype == np.float64
    assert y.dtype == np.int64 and sd.dtype == np.int64
    assert (sd[:120] == 1).all() and (sd[120:] == -1).all()
    assert (y[120:] == -1).all()
    assert set(y[:120].tolist()) == set(range(n_classes))
    ds = make_shifted_classification(
        n_samples_source=120,
        n_samples_target=80,
        n_features=n_features,
        n_classes=n_classes,
        shift=shift,
        random_state=0,
        return_dataset=True,
    )
    np.testing.assert_array_equal(ds.X, X)
    assert ds.y_target.min() >= 0 and ds.y_target.max() == n_classes - 1
    _, y_unmasked, _ = make_shifted_classification(
        n_samples_source=120,
        n_samples_target=80,
        n_features=n_features,
        n_classes=n_classes,
        shift=shift,
        random_state=0,
        mask_target=False,
    )
    np.testing.assert_array_equal(y_unmasked, ds.y_true)


def test_default_matches_alignment_docstrings():
    X, y, sd = make_shifted_classification(shift="covariate", random_state=0)
    assert X.shape == (400, 2) and int((sd < 0).sum()) == 200
    pipe = make_da_pipeline(CORALAligner(), LogisticRegression()).fit(X, y)
    assert pipe.predict(X[sd < 0]).shape == (200,)


@pytest.mark.parametrize("n_features, n_classes", [(2, 2), (5, 3)])
def test_covariate_shift_hurts_source_only_and_weights_fix_it(n_features, n_classes):
    ds = make_shifted_classification(
        n_samples_source=1000,
        n_samples_target=1000,
        n_features=n_features,
        n_classes=n_classes,
        random_state=1,
        return_dataset=True,
    )
    Xs, ys, Xt, yt = ds.X_source, ds.y_source, ds.X_target, ds.y_target
    source_only = LogisticRegression().fit(Xs, ys).score(Xt, yt)
    w = ds.density_ratio[ds.source_mask]
    weighted = LogisticRegression().fit(Xs, ys, sample_weight=w).score(Xt, yt)
    target_only = LogisticRegression().fit(Xt[:500], yt[:500]).score(Xt[500:], yt[500:])
    assert weighted > source_only + 0.15
    assert target_only > source_only + 0.15


def test_true_density_ratio_is_correct():
    ds = make_shifted_classification(
        n_samples_source=200,
        n_samples_target=200,
        n_features=3,
        random_state=0,
        return_dataset=True,
    )
    r = ds.density_ratio
    assert r.shape == (400,) and (r > 0).all()
    np.testing.assert_allclose(ds.density_ratio_func(ds.X), r, rtol=1e-10)
    # E_source[r(x)] = 1 and E_source[r(x) f(x)] = E_target[f(x)] (Monte Carlo, large n)
    big = make_shifted_classification(
        n_samples_source=100_000,
        n_samples_target=100_000,
        n_features=3,
        random_state=1,
        return_dataset=True,
    )
    rs = big.density_ratio[big.source_mask]
    assert abs(rs.mean() - 1) < 0.05
    for f in (lambda X: X[:, 0], lambda X: X[:, 1] ** 2, lambda X: np.sin(X.sum(1))):
        iw = np.mean(rs * f(big.X_source))
        assert abs(iw - f(big.X_target).mean()) < 0.06
    # labels follow one p(y|x): a classifier fitted on the target agrees on source rows
    # where the target has mass as well as on target rows
    Xs, ys = big.X_source, big.y_source
    near = rs > 2
    clf = LogisticRegression().fit(big.X_target, big.y_target)
    assert clf.score(Xs[near], ys[near]) > clf.score(Xs, ys)


def test_prior_shift_changes_class_proportions_only():
    ds = make_shifted_classification(
        n_samples_source=3000,
        n_samples_target=3000,
        shift="prior",
        noise=0,
        random_state=0,
        return_dataset=True,
    )
    p_s = np.bincount(ds.y_source) / 3000
    p_t = np.bincount(ds.y_target) / 3000
    assert abs(p_s[0] - 0.5) < 0.05 and p_t[0] > 0.8
    for k in range(2):  # p(x|y) fixed
        np.testing.assert_allclose(
            ds.X_source[ds.y_source == k].mean(0), ds.X_target[ds.y_target == k].mean(0), atol=0.15
        )


def test_shift_strength_zero_means_no_shift():
    for shift in SHIFTS:
        ds = make_shifted_classification(
            n_samples_source=4000,
            n_samples_target=4000,
            shift=shift,
            shift_strength=0.0,
            random_state=0,
            return_dataset=True,
        )
        np.testing.assert_allclose(ds.X_source.mean(0), ds.X_target.mean(0), atol=0.15)


def test_subspace_target_is_affine_image_of_source():
    ds = make_shifted_classification(
        n_samples_source=2000,
        n_samples_target=2000,
        shift="subspace",
        random_state=0,
        return_dataset=True,
    )
    cs, ct = np.cov(ds.X_source.T), np.cov(ds.X_target.T)
    # a rotation keeps the spectrum and moves the mean
    np.testing.assert_allclose(np.linalg.eigvalsh(cs), np.linalg.eigvalsh(ct), rtol=0.15)
    assert np.linalg.norm(ds.X_source.mean(0) - ds.X_target.mean(0)) > 1.0


@pytest.mark.parametrize("shift", SHIFTS)
def test_regression_contract(shift):
    X, y, sd = make_shifted_regression(
        n_samples_source=100, n_samples_target=50, n_features=4, shift=shift, random_state=0
    )
    assert X.shape == (150, 4) and y.dtype == np.float64
    assert np.isnan(y[100:]).all() and np.isfinite(y[:100]).all()
    assert (sd[:100] == 1).all() and (sd[100:] == -1).all()


def test_regression_covariate_shift_hurts_source_only():
    ds = make_shifted_regression(
        n_samples_source=1000, n_samples_target=1000, random_state=0, return_dataset=True
    )
    Xs, ys, Xt, yt = ds.X_source, ds.y_source, ds.X_target, ds.y_target
    w = ds.density_ratio[ds.source_mask]
    r2_src = LinearRegression().fit(Xs, ys).score(Xt, yt)
    r2_iw = LinearRegression().fit(Xs, ys, sample_weight=w).score(Xt, yt)
    assert r2_iw > r2_src + 0.3


def test_generator_bad_arguments():
    with pytest.raises(ValueError, match="shift must be one of"):
        make_shifted_classification(shift="label")
    with pytest.raises(ValueError, match="n_features"):
        make_shifted_classification(n_features=1)
    with pytest.raises(ValueError, match="n_classes"):
        make_shifted_classification(n_classes=1)


def test_generators_are_reproducible():
    a = make_shifted_classification(shift="subspace", n_features=4, random_state=3)
    b = make_shifted_classification(shift="subspace", n_features=4, random_state=3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


# --- embedded digits task ---------------------------------------------------------------
def test_digits_shift_task():
    ds = load_digits_shift()
    assert ds.X.shape == (1797, 64) and ds.X.dtype == np.float64
    assert ds.X.min() >= 0 and ds.X.max() <= 16
    assert int(ds.source_mask.sum()) == 899 and int(ds.target_mask.sum()) == 898
    assert set(ds.y_true.tolist()) == set(range(10))
    # source and target come from disjoint images of load_digits
    idx = ds.original_index
    assert len(set(idx[ds.source_mask]) & set(idx[ds.target_mask])) == 0
    assert sorted(idx.tolist()) == list(range(1797))

    Xs, ys, Xt, yt = ds.X_source, ds.y_source, ds.X_target, ds.y_target

    # tol=1e-3 keeps the test fast; with sklearn's default tol the figures are
    # source-only 0.53, target-only 0.90 (5-fold), CORAL 0.91
    def logreg():
        return LogisticRegression(max_iter=1000, tol=1e-3)

    source_only = make_pipeline(StandardScaler(), logreg()).fit(Xs, ys).score(Xt, yt)
    target_only = cross_val_score(make_pipeline(StandardScaler(), logreg()), Xt, yt, cv=3).mean()
    assert 0.2 <= target_only - source_only <= 0.5, (source_only, target_only)
    X, y, _ = ds.pack()
    coral = make_da_pipeline(StandardScaler(), CORALAligner(), logreg()).fit(X, y)
    coral = coral.score(Xt, yt)
    assert coral > source_only + 0.1


def test_digits_return_X_y_and_determinism():
    X, y, sd = load_digits_shift(return_X_y=True)
    assert (y[sd < 0] == -1).all() and (y[sd > 0] >= 0).all()
    np.testing.assert_array_equal(X, load_digits_shift().X)


# --- tasks ------------------------------------------------------------------------------
def test_list_tasks():
    assert "digits" in list_datasets()
    office = list_tasks("office_caltech")
    assert len(office) == 12 and len(set(office)) == 12 and "A->W" in office
    assert len(list_tasks("amazon")) == 12
    assert list_tasks("mnist_usps") == ["usps->mnist", "mnist->usps"]
    assert len(list_tasks("newsgroups")) == 6
    assert len(newsgroups_splits()) == 36
    with pytest.raises(ValueError, match="Unknown dataset"):
        list_tasks("imagenet")


def test_load_task_digits_default():
    ds = load_task()
    assert isinstance(ds, DomainDataset) and ds.X.shape == (1797, 64)
    with pytest.raises(ValueError, match="one task"):
        load_task("digits", "A->W")


# --- data home, checksums, fetching ----------------------------------------------------
def test_data_home_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("SKXFER_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("SKXFER_DATA")
    assert get_data_home().name == "skxfer_data"


@pytest.fixture
def fake_remote(monkeypatch, tmp_path):
    """A made-up table entry whose 'public URL' is a file:// URL to a temp file."""
    payload = b"not really a .mat file, but bytes with a known checksum\n" * 10
    remote = tmp_path / "remote" / "tiny.bin"
    remote.parent.mkdir()
    remote.write_bytes(payload)
    sha = hashlib.sha256(payload).hexdigest()
    rel = "fake_dataset/tiny.bin"
    monkeypatch.setitem(_fetch.REMOTE_FILES, rel, (sha, len(payload), remote.as_uri()))
    return rel, payload, tmp_path / "home"


def test_fetch_downloads_and_verifies(fake_remote):
    rel, payload, home = fake_remote
    path = fetch_file(rel, data_home=home)
    assert path == home / rel and path.read_bytes() == payload
    assert fetch_file(rel, data_home=home, download_if_missing=False) == path


def test_fetch_honours_env_var(fake_remote, monkeypatch):
    rel, payload, home = fake_remote
    monkeypatch.setenv("SKXFER_DATA", str(home))
    assert fetch_file(rel) == home / rel
    assert (home / rel).read_bytes() == payload


def test_fetch_rejects_bad_download(fake_remote, monkeypatch):
    rel, payload, home = fake_remote
    sha, size, url = _fetch.REMOTE_FILES[rel]
    monkeypatch.setitem(_fetch.REMOTE_FILES, rel, ("0" * 64, size, url))
    with pytest.raises(OSError, match="Checksum mismatch"):
        fetch_file(rel, data_home=home)
    assert not (home / rel).exists()
    assert list((home / "fake_dataset").iterdir()) == []  # no partial file left


def test_fetch_offline_error_says_where_to_put_file(fake_remote, monkeypatch):
    rel, _, home = fake_remote

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(_fetch.urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match="could not be downloaded") as info:
        fetch_file(rel, data_home=home)
    assert str(home / rel) in str(info.value)
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_file(rel, data_home=home, download_if_missing=False)


def test_checksum_mismatch_on_disk_raises(tmp_path):
    rel = "amazon_review_400/books_400.mat"
    bad = tmp_path / rel
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"corrupt")
    with pytest.raises(OSError, match="Checksum mismatch.*books_400.mat"):
        load_amazon_reviews("books", "dvd", data_home=tmp_path, download_if_missing=False)


def test_import_stays_light():
    code = (
        "import sys, skxfer.datasets; "
        "bad = [m for m in ('torch', 'h5py', 'matplotlib') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- real benchmarks (offline copy) -----------------------------------------------------
def test_bad_domain_names_raise():
    with pytest.raises(ValueError, match="Unknown Office-Caltech10 domain 'imagenet'"):
        load_office_caltech("imagenet", "W")
    with pytest.raises(ValueError, match="same"):
        load_office_caltech("A", "amazon")
    with pytest.raises(ValueError, match="dslr and webcam only"):
        load_office_caltech("A", "W", features="decaf6")
    with pytest.raises(ValueError, match="Unknown Amazon reviews domain"):
        load_amazon_reviews("books", "music")
    with pytest.raises(ValueError, match="Cannot read task"):
        load_task("office_caltech", "A-W")


def test_office_caltech(shared_data_home):
    ds = load_task("office_caltech", "a->WEBCAM", data_home=shared_data_home)
    assert ds.X.shape == (958 + 295, 800)
    assert ds.domain_names == {1: "amazon", -1: "webcam"}
    assert ds.y_true.min() == 0 and ds.y_true.max() == 9
    assert np.bincount(ds.y_source).tolist() == [92, 82, 94, 99, 100, 100, 99, 100, 94, 98]
    assert ds.target_names[9] == "projector"
    X, y, sd = load_office_caltech(
        "D", "W", features="decaf", data_home=shared_data_home, return_X_y=True
    )
    assert X.shape == (157 + 295, 4096) and (y[sd < 0] == -1).all()
    # the DeCAF labels equal the SURF labels
    surf = load_office_caltech("D", "W", data_home=shared_data_home)
    np.testing.assert_array_equal(surf.y_source, y[sd > 0])


def test_mnist_usps(shared_data_home):
    ds = load_mnist_usps("U", "M", data_home=shared_data_home)
    assert ds.X_source.shape == (1800, 256) and ds.X_target.shape == (2000, 256)
    assert ds.y_true.min() == 0 and ds.y_true.max() == 9
    # digit+1 in the file: USPS counts of label 1..10 are 352, 241, ... -> digits 0, 1
    assert np.bincount(ds.y_source)[:2].tolist() == [352, 241]
    other = load_task("mnist_usps", "mnist->usps", data_home=shared_data_home)
    np.testing.assert_array_equal(other.X_target, ds.X_source)


def test_amazon_reviews(shared_data_home):
    ds = load_task("amazon", "B->elec", data_home=shared_data_home)
    assert ds.X.shape == (2000 + 1998, 400)
    assert set(ds.y_true.tolist()) == {0, 1}
    np.testing.assert_allclose(ds.X.sum(1), 1.0, atol=1e-6)


def test_usps_mnist_raw(shared_data_home):
    pytest.importorskip("h5py")
    ds = load_usps_mnist_raw(size=16, flatten=False, data_home=shared_data_home)
    assert ds.X.shape == (7291 + 10000, 1, 16, 16) and ds.X.dtype == np.float32
    assert 0 <= ds.X.min() and ds.X.max() <= 1
    assert np.bincount(ds.y_target).tolist()[:2] == [980, 1135]
    flat = load_usps_mnist_raw(
        "mnist", "usps", size=28, usps_subset="test", data_home=shared_data_home
    )
    assert flat.X.shape == (10000 + 2007, 784)


def test_newsgroups(shared_data_home):
    ds = load_newsgroups("comp", "rec", data_home=shared_data_home)
    assert sparse.issparse(ds.X) and ds.X.shape == (3870 + 3968, 25804)
    src = ds.source_mask
    assert int(src.sum()) == 970 + 963 + 987 + 993
    assert set(ds.subcategory[src].tolist()) == {1, 2}
    assert set(ds.subcategory[~src].tolist()) == {3, 4}
    assert ds.y_true[src & (ds.subcategory == 1)].tolist()[:1] == [1]
    other = load_newsgroups(
        "sci", "talk", source_subsets=(1, 3), neg_source_subsets=(2, 4), data_home=shared_data_home
    )
    assert int(other.source_mask.sum()) == 989 + 987 + 940 + 627
