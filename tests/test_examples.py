"""Every script of examples/ runs in quick mode (as CI does) and writes its figure."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
NEEDS_DEEP = {"plot_adversarial_dann.py"}


def _run(script, out, **env):
    full_env = {
        **os.environ,
        "SKXFER_EXAMPLES_QUICK": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, str(script), "--out", str(out)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_examples_found():
    assert len(SCRIPTS) >= 4


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_in_quick_mode(script, tmp_path):
    if script.name in NEEDS_DEEP:
        pytest.importorskip("skorch")
    proc = _run(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pngs = list(tmp_path.glob("*.png"))
    if "Skipping." in proc.stdout:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    assert pngs, f"{script.name} wrote no figure:\n{proc.stdout}"


def test_amazon_example_skips_gracefully_without_data(tmp_path):
    # a copy outside the repository finds no shared/data folder above it
    copy = tmp_path / "plot_amazon_reviews.py"
    shutil.copy(EXAMPLES / "plot_amazon_reviews.py", copy)
    env = {k: v for k, v in os.environ.items() if k != "SKXFER_DATA"}
    proc = subprocess.run(
        [sys.executable, str(copy), "--quick", "--out", str(tmp_path)],
        env={**env, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Skipping." in proc.stdout and "SKXFER_DATA" in proc.stdout
    assert not list(tmp_path.glob("*.png"))


def _accuracies(stdout):
    """``{label: accuracy}`` from the lines ``<label> <accuracy>`` an example prints."""
    found = {}
    for line in stdout.splitlines():
        head, _, last = line.strip().rpartition(" ")
        try:
            found[head.replace("target accuracy", "").strip().rstrip(":")] = float(last)
        except ValueError:
            continue
    return found


def test_seed_recipe_frozen_base_beats_the_no_transfer_baselines(tmp_path):
    pytest.importorskip("skorch")
    proc = _run(EXAMPLES / "finetune_frozen_base.py", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    acc = _accuracies(proc.stdout)
    baselines = [
        acc["source model as it is"],
        acc["target only: CNN from scratch"],
        acc["target only: LogisticRegression"],
    ]
    assert acc["frozen source base + new head"] > max(baselines) + 0.05
    assert acc["all layers fine-tuned"] > max(baselines) + 0.05


def test_seed_recipe_dann_beats_its_source_only_twin(tmp_path):
    pytest.importorskip("skorch")
    proc = _run(EXAMPLES / "plot_adversarial_dann.py", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    acc = _accuracies(proc.stdout)
    assert acc["DANN"] > acc["source only"] + 0.01
