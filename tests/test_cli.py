"""The skxfer command line."""

import re

from skxfer.cli import main


def test_list_shows_strategies_and_datasets(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "coral" in out and "digits" in out
    assert main(["list", "--tasks", "office_caltech"]) == 0
    assert "A->W" in capsys.readouterr().out


def test_compare_on_embedded_task_beats_source_only(capsys):
    code = main(["compare", "--strategies", "coral,sa", "--no-progress", "--n-jobs", "1"])
    assert code == 0
    out = capsys.readouterr().out
    rows = {
        m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+)\s+([\d.]+)\s", out, flags=re.M)
    }
    assert {"source_only", "coral", "sa", "target_only"} <= set(rows)
    assert rows["coral"] > rows["source_only"]
    assert rows["target_only"] > rows["source_only"]


def test_compare_reports_unknown_dataset(capsys):
    assert main(["compare", "--dataset", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_compare_requires_a_known_strategy(capsys):
    assert main(["compare", "--strategies", "nope", "--no-progress"]) == 2
    assert "Unknown strategy 'nope'" in capsys.readouterr().err
