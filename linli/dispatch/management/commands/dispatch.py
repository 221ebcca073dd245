"""`linli dispatch train|evaluate|list|activate|sample`: the smart-dispatch classifier from the shell."""

import json

from django.core.management.base import BaseCommand, CommandError

from linli.dispatch import evaluate, sample, services
from linli.dispatch.choices import Target
from linli.dispatch.evaluate import DatasetError
from linli.dispatch.models import DispatchModel
from linli.dispatch.selectors import acceptance_rates
from linli.dispatch.tasks import train_model


def _csv_args(parser, *, required: bool) -> None:
    parser.add_argument("--csv", required=required, help="A UTF-8 CSV with a header row.")
    parser.add_argument("--text-cols", default="title,body", help="Text columns, comma-separated, joined.")
    parser.add_argument("--label-col", default="label", help="The label column.")


class Command(BaseCommand):
    help = "Train, evaluate, list and activate the classifiers that suggest a case's category and department."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        train = actions.add_parser(
            "train", help="Train a new version (from closed cases, or a CSV) and activate it."
        )
        train.add_argument("--target", choices=Target.values, default=Target.CATEGORY)
        _csv_args(train, required=False)
        train.add_argument(
            "--cv-folds", type=int, default=0, help="Also cross-validate with this many folds."
        )
        ev = actions.add_parser("evaluate", help="Cross-validate on a CSV; the last line printed is JSON.")
        _csv_args(ev, required=True)
        ev.add_argument("--folds", type=int, default=5)
        actions.add_parser("list", help="List the model versions.")
        activate = actions.add_parser("activate", help="Make this version the active one (rollback).")
        activate.add_argument("version", type=int)
        smp = actions.add_parser("sample", help="Write a generated, labelled CSV of resident messages.")
        smp.add_argument("--rows", type=int, default=5000)
        smp.add_argument("--out", required=True)
        smp.add_argument("--seed", type=int, default=7)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(options)
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc

    def _read(self, options):
        cols = [c.strip() for c in options["text_cols"].split(",") if c.strip()]
        if not cols:
            raise CommandError("--text-cols names no column.")
        return evaluate.read_csv(options["csv"], text_cols=cols, label_col=options["label_col"].strip())

    def _train(self, options):
        if options["csv"]:
            model = services.model_train(
                data=self._read(options), target=options["target"], cv_folds=options["cv_folds"]
            )
            self.stdout.write(
                f"Trained v{model.version} ({model.target}) on {model.rows} rows; it is active."
            )
        else:
            result = train_model.call(options["target"], None)
            self.stdout.write(
                f"Trained v{result['version']} ({result['target']}) on {result['rows']} closed cases; it is active."
            )

    def _evaluate(self, options):
        figures = evaluate.cross_validate(self._read(options), folds=options["folds"])
        out = self.stdout.write
        out(f"rows {figures['rows']}, classes {len(figures['classes'])}, folds {figures['folds']}")
        out(f"accuracy {figures['accuracy']:.4f}   macro-F1 {figures['macro_f1']:.4f}")
        out(figures["report"])
        out("confusion matrix (rows: true, columns: predicted)")
        for i, (label, row) in enumerate(zip(figures["classes"], figures["confusion"], strict=True)):
            out(f"{i:>3} {label:<12} " + " ".join(f"{n:>5}" for n in row))
        payload = {
            k: figures[k] for k in ("accuracy", "macro_f1", "folds", "rows", "classes", "per_class_f1")
        }
        payload["accuracy"], payload["macro_f1"] = (
            round(payload["accuracy"], 4),
            round(payload["macro_f1"], 4),
        )
        out(json.dumps(payload, ensure_ascii=False))

    def _list(self, options):
        rates = acceptance_rates()
        for m in DispatchModel.objects.defer("blob"):
            cv = (
                f"cv acc {m.cv_accuracy:.3f} F1 {m.cv_macro_f1:.3f}" if m.cv_accuracy is not None else "no cv"
            )
            rate = rates.get(m.version, {}).get("rate")
            accepted = f"accepted {rate:.0%}" if rate is not None else "no outcomes"
            self.stdout.write(
                f"{'*' if m.is_active else ' '} v{m.version:<4} {m.target:<10} {m.trained_at:%Y-%m-%d %H:%M} "
                f"{m.rows:>7} rows {len(m.classes):>3} classes  {cv}  {accepted}  {m.source}"
            )

    def _activate(self, options):
        model = DispatchModel.objects.defer("blob").filter(version=options["version"]).first()
        if model is None:
            raise CommandError(f"No model has version {options['version']}.")
        services.model_activate(model=model)
        self.stdout.write(f"v{model.version} is now the active {model.target} model.")

    def _sample(self, options):
        n = sample.write_csv(options["out"], options["rows"], seed=options["seed"])
        self.stdout.write(f"Wrote {n} rows to {options['out']}.")
