"""Smart dispatch: training time of the category classifier on N generated messages, and the latency of one
suggestion (one text through the fitted pipeline) against a baseline measured in the same run — the feature
union's transform alone, i.e. what the model adds on top of featurising.

Run: .venv/bin/python bench/dispatch.py [--rows 100000] [--queries 500]

Training uses the capped feature sets of linli.dispatch.classifier (200k character n-grams, 60k words) on one
process.  The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import emit_json, log, percentile, rounded  # noqa: E402


def timed_each(fn, texts) -> list[float]:
    out = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from linli.dispatch import classifier, sample

    rows = list(sample.generate(args.rows, seed=11))
    texts = [f"{r['title']} {r['body']}" for r in rows]
    labels = [r["label"] for r in rows]
    queries = [f"{r['title']} {r['body']}" for r in sample.generate(args.queries, seed=12)]
    log(f"training on {len(texts)} generated messages")
    start = time.perf_counter()
    pipeline = classifier.fit(texts, labels)
    train_s = time.perf_counter() - start
    features = pipeline.named_steps["features"]
    n_features = sum(len(v.vocabulary_) for _n, v in features.transformer_list)
    log(f"trained in {train_s:.1f} s, {n_features} features")

    classifier.predict_top(pipeline, queries[:5])  # warm up
    suggest_ms = timed_each(lambda t: classifier.predict_top(pipeline, [t], k=3), queries)
    transform_ms = timed_each(lambda t: features.transform([t]), queries)
    result = {
        "rows": len(texts),
        "features": n_features,
        "train_s": rounded(train_s, 1),
        "suggest_p50_ms": rounded(percentile(suggest_ms, 50)),
        "suggest_p99_ms": rounded(percentile(suggest_ms, 99)),
        "baseline_transform_p50_ms": rounded(percentile(transform_ms, 50)),
        "baseline_transform_p99_ms": rounded(percentile(transform_ms, 99)),
    }
    log(
        f"suggestion p50 {result['suggest_p50_ms']} ms, p99 {result['suggest_p99_ms']} ms; "
        f"transform alone p50 {result['baseline_transform_p50_ms']} ms, p99 {result['baseline_transform_p99_ms']} ms"
    )
    emit_json(result)


if __name__ == "__main__":
    main()
