"""Reads of the knowledge base: the viewer's answers and the best matches for a case's text.

Ranking is TF-IDF cosine over character bigrams (Chinese has no spaces to split words on; bigrams catch 公租
and 租房 without a dictionary). The question and keywords count twice, the answer text once. A few thousand
answers score in milliseconds, so the index is built per call from the viewer's scope and nothing goes stale."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.http import Http404

from .models import Answer

# Runs of CJK ideographs, letters or digits; punctuation and spaces break bigrams.
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")
MIN_SCORE = 0.08


def bigrams(text: str) -> list[str]:
    """Character bigrams of the CJK runs; Latin words and numbers stay whole (a single ideograph counts too)."""
    grams: list[str] = []
    for run in _RUNS.findall((text or "").lower()):
        if not run.isascii() and len(run) > 1:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            grams.append(run)
    return grams


def _terms(answer: Answer) -> Counter:
    return Counter(bigrams(f"{answer.question} {answer.keywords}") * 2 + bigrams(answer.answer))


def _vector(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1 + math.log(n)) * idf[t] for t, n in counts.items() if t in idf}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


@dataclass(frozen=True)
class Match:
    answer: Answer
    score: float


def may_edit(user, community=None) -> bool:
    """Secretaries keep their communities' answers; administrators keep every answer, the global ones too."""
    scope = user.scope
    if scope.is_admin:
        return True
    if community is None:
        return False
    return community.pk in scope.community_ids


def editable_communities(user):
    from linli.org.models import Community

    if user.scope.is_admin:
        return Community.objects.order_by("name")
    return Community.objects.filter(pk__in=user.scope.community_ids).order_by("name")


def answers_for(user):
    """Every answer the viewer may use or read: global ones plus their communities'."""
    return Answer.objects.visible_to(user).select_related("community", "category")


def get_answer_for_user(user, pk) -> Answer:
    """The answer if the viewer may see it; 404 otherwise."""
    try:
        return answers_for(user).get(pk=int(pk))
    except (Answer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def rank(text: str, answers, k: int = 3, min_score: float = MIN_SCORE) -> list[Match]:
    """The k answers most like the text, best first, each with its cosine score (0–1)."""
    query = Counter(bigrams(text))
    answers = list(answers)
    if not query or not answers:
        return []
    docs = [_terms(a) for a in answers]
    df: Counter = Counter()
    for doc in docs:
        df.update(doc.keys())
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}
    q = _vector(query, idf)
    if not q:
        return []
    matches = []
    for answer, doc in zip(answers, docs, strict=True):
        vec = _vector(doc, idf)
        score = sum(w * vec.get(t, 0.0) for t, w in q.items())
        if score >= min_score:
            matches.append(Match(answer, round(score, 3)))
    matches.sort(key=lambda m: (-m.score, m.answer.pk))
    return matches[:k]


def best_matches(text: str, user, k: int = 3) -> list[Match]:
    """The best current answers for a consultation's text, within the viewer's scope."""
    return rank(text, answers_for(user).current(), k=k)


def case_knowledge(user, case, actions: list[str] | None = None) -> dict:
    """The knowledge section of the case page: matches for its text, offered to handlers while it is open."""
    from linli.cases.choices import Action
    from linli.cases.workflow import allowed_actions

    actions = allowed_actions(user, case) if actions is None else actions
    if not user.scope.is_staff_member or Action.DIRECT_ANSWER not in actions:
        return {"may_answer": False, "matches": []}
    return {"may_answer": True, "matches": best_matches(f"{case.title} {case.description}", user)}
