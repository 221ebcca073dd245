import csv
import json

import pytest
from django.core.management import CommandError, call_command

from linli.dispatch import evaluate


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("dispatch", *args, stdout=out)
    return out.getvalue()


def test_evaluate_prints_the_metrics_and_a_json_last_line(sample_csv):
    out = run(
        "evaluate",
        "--csv",
        str(sample_csv),
        "--text-cols",
        "title,body",
        "--label-col",
        "label",
        "--folds",
        "3",
    )
    assert "macro-F1" in out and "confusion matrix" in out and "f1-score" in out
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["rows"] == 400 and figures["folds"] == 3 and len(figures["classes"]) == 7
    assert figures["accuracy"] > 0.6 and 0 < figures["macro_f1"] <= 1
    assert set(figures["per_class_f1"]) == set(figures["classes"])


def test_exact_duplicates_stay_in_one_fold():
    texts = [f"小区{i % 40}号楼下水道堵了" if i % 2 else f"{i}路公交车不按时发车" for i in range(200)]
    texts += ["楼道  灯坏了"] * 6 + ["楼道 灯坏了 "] * 4
    labels = ["城乡建设" if i % 2 else "交通运输" for i in range(200)] + ["城乡建设"] * 10
    groups = evaluate.duplicate_groups(texts)
    assert len({groups[i] for i in range(200, 210)}) == 1
    for _train, test in evaluate.splitter(texts, labels, folds=5):
        in_test = {groups[i] for i in test}
        train_groups = {groups[i] for i in _train}
        assert not in_test & train_groups


def write(path, rows, header=("title", "body", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing_file", "No such file"),
        ("missing_column", "not in the CSV header"),
        ("one_class", "At least 2 classes"),
        ("small_class", "fewer rows than the 5 folds"),
        ("too_few_rows", "at least 50"),
    ],
)
def test_bad_csv_inputs_are_command_errors(tmp_path, case, message):
    rows = [(f"标题{i}", f"内容{i}", "甲" if i % 2 else "乙") for i in range(60)]
    path = str(tmp_path / "nope.csv")
    cols = "title,body"
    if case == "missing_column":
        path, cols = write(tmp_path / "a.csv", rows), "title,text"
    elif case == "one_class":
        path = write(tmp_path / "a.csv", [(t, b, "甲") for t, b, _l in rows])
    elif case == "small_class":
        path = write(tmp_path / "a.csv", [*rows, ("x", "y", "丙"), ("x2", "y2", "丙"), ("x3", "y3", "丙")])
    elif case == "too_few_rows":
        path = write(tmp_path / "a.csv", rows[:10])
    with pytest.raises(CommandError, match=message):
        run("evaluate", "--csv", path, "--text-cols", cols, "--label-col", "label", "--folds", "5")
