"""Writes of the dispatch app: storing a trained model version, activating one (rollback), recording outcomes."""

from __future__ import annotations

import io

import joblib
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from linli.cases.choices import Status
from linli.cases.models import Case, Whistle

from . import classifier, selectors
from .choices import Target
from .evaluate import MIN_ROWS, Dataset, DatasetError, check_trainable, cross_validate
from .models import DispatchModel, SuggestionOutcome
from .seal import seal_of


def dataset_from_database(*, target: str) -> Dataset:
    """Closed cases: title + description → category code, or → the department of the latest whistle (else the
    category's default department; cases with neither are left out)."""
    cases = Case.objects.filter(status=Status.CLOSED)
    if target == Target.CATEGORY:
        rows = cases.values_list("title", "description", "category__code")
    else:
        latest = Whistle.objects.filter(case_id=OuterRef("pk")).order_by("-created_at", "-id")
        rows = cases.annotate(whistled=Subquery(latest.values("department__code")[:1])).values_list(
            "title", "description", "whistled", "category__default_department__code"
        )
        rows = [(t, d, whistled or default) for t, d, whistled, default in rows]
    texts, labels = [], []
    for title, description, label in rows:
        if label:
            texts.append(f"{title} {description}".strip())
            labels.append(label)
    return Dataset(texts=texts, labels=labels, source="database")


def _dump(pipeline) -> bytes:
    out = io.BytesIO()
    joblib.dump(pipeline, out, compress=3)
    return out.getvalue()


def model_train(
    *, data: Dataset, target: str, actor=None, cv_folds: int = 0, min_rows: int = MIN_ROWS, **features
) -> DispatchModel:
    """Fit on all of `data`, store it as the next version and make it the active model of `target`."""
    if target not in Target.values:
        raise DatasetError(_("Unknown target %(t)s.") % {"t": target})
    check_trainable(data, min_rows=min_rows)
    figures = cross_validate(data, folds=cv_folds, min_rows=min_rows, **features) if cv_folds else None
    pipeline = classifier.fit(data.texts, data.labels, **features)
    blob = _dump(pipeline)
    with transaction.atomic():
        last = DispatchModel.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0
        model = DispatchModel.objects.create(
            version=last + 1,
            target=target,
            trained_by=actor,
            source=data.source[:200],
            rows=len(data.texts),
            classes=sorted(set(data.labels)),
            cv_folds=cv_folds or None,
            cv_accuracy=figures["accuracy"] if figures else None,
            cv_macro_f1=figures["macro_f1"] if figures else None,
            blob=blob,
            seal=seal_of(blob),
        )
        model_activate(model=model)
    return model


def model_activate(*, model: DispatchModel) -> DispatchModel:
    """Make `model` the one active version of its target (a rollback when it is an older one)."""
    with transaction.atomic():
        for other in DispatchModel.objects.select_for_update().filter(target=model.target, is_active=True):
            if other.pk != model.pk:
                other.is_active = False
                other.save(update_fields=["is_active"])
        model.is_active = True
        model.save(update_fields=["is_active"])
    return model


def suggestion_taken_or_not(
    *, version: int, text: str, suggested: str, chosen: str, user
) -> SuggestionOutcome | None:
    """Intake's record of whether the top suggestion of model `version` was taken (nothing for an unknown one)."""
    model = DispatchModel.objects.defer("blob").filter(version=version).first()
    if model is None:
        return None
    return outcome_record(
        model=model, text_hash=selectors.text_hash(text), suggested=suggested, chosen=chosen, user=user
    )


def outcome_record(
    *, model: DispatchModel, text_hash: str, suggested: str, chosen: str, user
) -> SuggestionOutcome:
    """The staff member's choice after the suggestions: accepted when it is the top suggestion."""
    return SuggestionOutcome.objects.create(
        model=model,
        text_hash=text_hash,
        suggested=suggested,
        chosen=chosen,
        accepted=suggested == chosen,
        user=user,
    )
