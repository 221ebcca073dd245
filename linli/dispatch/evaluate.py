"""Reading labelled history from CSV and cross-validating the classifier on it.

Folds are stratified by label, and exact duplicate texts (after whitespace normalisation) form one group that
falls wholly in one fold: the same complaint pasted twice must not be in training and test at once."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from . import classifier

MIN_ROWS = 50
_SPACE = re.compile(r"\s+")


class DatasetError(ValueError):
    """Training or evaluation data that cannot be used, with a message for the user."""


@dataclass
class Dataset:
    texts: list[str]
    labels: list[str]
    source: str


def read_csv(path: str, *, text_cols: list[str], label_col: str) -> Dataset:
    """Rows of a UTF-8 CSV with a header: the text columns joined with a space, and the label; blank rows skipped."""
    file = Path(path)
    if not file.is_file():
        raise DatasetError(_("No such file: %(path)s") % {"path": path})
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in [*text_cols, label_col] if c not in header]
            if missing:
                raise DatasetError(
                    _("Column(s) %(missing)s not in the CSV header (%(header)s).")
                    % {"missing": ", ".join(missing), "header": ", ".join(header)}
                )
            texts, labels = [], []
            for row in reader:
                text = " ".join((row.get(c) or "").strip() for c in text_cols).strip()
                label = (row.get(label_col) or "").strip()
                if text and label:
                    texts.append(text)
                    labels.append(label)
    except UnicodeDecodeError as exc:
        raise DatasetError(_("%(path)s is not UTF-8 text.") % {"path": path}) from exc
    except csv.Error as exc:
        raise DatasetError(
            _("%(path)s is not a readable CSV: %(error)s") % {"path": path, "error": exc}
        ) from exc
    return Dataset(texts=texts, labels=labels, source=f"csv: {file.name}")


def check_trainable(data: Dataset, *, min_rows: int = MIN_ROWS, min_per_class: int = 3) -> None:
    if len(data.texts) < min_rows:
        raise DatasetError(
            _("Only %(n)d labelled rows; at least %(min)d are needed.")
            % {"n": len(data.texts), "min": min_rows}
        )
    counts = class_counts(data.labels)
    if len(counts) < 2:
        raise DatasetError(_("At least 2 classes are needed; the data has %(n)d.") % {"n": len(counts)})
    small = sorted(label for label, n in counts.items() if n < min_per_class)
    if small:
        raise DatasetError(
            _("These classes have fewer than %(min)d rows: %(labels)s.")
            % {"min": min_per_class, "labels": ", ".join(small)}
        )


def class_counts(labels: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return counts


def duplicate_groups(texts: list[str]) -> list[int]:
    """A group id per text: exact duplicates after whitespace normalisation share one."""
    ids: dict[str, int] = {}
    return [ids.setdefault(_SPACE.sub(" ", t).strip(), len(ids)) for t in texts]


def splitter(texts: list[str], labels: list[str], *, folds: int, seed: int = classifier.RANDOM_STATE):
    """(train indexes, test indexes) per fold, stratified by label and grouped by duplicate text."""
    from sklearn.model_selection import StratifiedGroupKFold

    kfold = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(kfold.split(texts, labels, groups=duplicate_groups(texts)))


def cross_validate(data: Dataset, *, folds: int = 5, min_rows: int = MIN_ROWS, **features) -> dict:
    """Out-of-fold predictions for every row and the figures computed from them."""
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    if folds < 2:
        raise DatasetError(_("Use at least 2 folds."))
    check_trainable(data, min_rows=min_rows)
    counts = class_counts(data.labels)
    small = sorted(label for label, n in counts.items() if n < folds)
    if small:
        raise DatasetError(
            _("These classes have fewer rows than the %(folds)d folds: %(labels)s.")
            % {"folds": folds, "labels": ", ".join(small)}
        )
    predicted: list[str | None] = [None] * len(data.texts)
    for train, test in splitter(data.texts, data.labels, folds=folds):
        pipeline = classifier.fit([data.texts[i] for i in train], [data.labels[i] for i in train], **features)
        for i, label in zip(test, pipeline.predict([data.texts[i] for i in test]), strict=True):
            predicted[i] = str(label)
    classes = sorted(counts)
    per_class = f1_score(data.labels, predicted, labels=classes, average=None, zero_division=0)
    return {
        "accuracy": float(accuracy_score(data.labels, predicted)),
        "macro_f1": float(f1_score(data.labels, predicted, labels=classes, average="macro", zero_division=0)),
        "folds": folds,
        "rows": len(data.texts),
        "classes": classes,
        "per_class_f1": {c: round(float(f), 4) for c, f in zip(classes, per_class, strict=True)},
        "report": classification_report(data.labels, predicted, labels=classes, digits=3, zero_division=0),
        "confusion": confusion_matrix(data.labels, predicted, labels=classes).tolist(),
    }
