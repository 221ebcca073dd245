"""Background training of dispatch models, run by the database-backed worker (`linli db_worker`)."""

from linli.accounts.models import User
from linli.core.jobs import job

from . import services


@job(atomic=False)  # training reads for long; the new model is written in one transaction of its own
def train_model(target: str, user_id: int | None = None) -> dict:
    """Train a new version of `target` from the closed cases and make it active."""
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    data = services.dataset_from_database(target=target)
    model = services.model_train(data=data, target=target, actor=actor)
    return {"version": model.version, "target": model.target, "rows": model.rows, "classes": model.classes}
