"""Search relevance benchmark, part 2: the scoring rules, kept apart so they can be unit-tested.

For one query, ``ranking`` is the list of document keys the system returned, best first, and
``judgments`` maps document keys to grades 0-3 (missing = 0).

- nDCG@10: DCG = sum over ranks i = 1..10 of gain / log2(i + 1), with linear gain = grade (the
  trec_eval convention); divided by the DCG of the ideal ranking, i.e. all judged grades sorted
  descending, cut at 10. A query without relevant documents would score 0 (the corpus has none).
- MRR@10: 1 / rank of the first document with grade >= 2 within the top 10, else 0. Grade 1
  (passing mentions) does not count as "the answer".
- Recall@20: relevant documents (grade >= 1) in the top 20, divided by min(20, number of
  relevant documents), so a query with more than 20 relevant documents can still reach 1.0.

Per class and overall, each metric is the macro average over queries (every query weighs the
same; the overall figure is over all queries, not over class averages).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NDCG_AT = 10
MRR_AT = 10
MRR_MIN_GRADE = 2
RECALL_AT = 20
RECALL_MIN_GRADE = 1


def dcg(grades: Iterable[int]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg(ranking: Sequence[str], judgments: Mapping[str, int], k: int = NDCG_AT) -> float:
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(judgments.get(key, 0) for key in _unique(ranking)[:k]) / ideal


def reciprocal_rank(
    ranking: Sequence[str],
    judgments: Mapping[str, int],
    k: int = MRR_AT,
    min_grade: int = MRR_MIN_GRADE,
) -> float:
    for i, key in enumerate(_unique(ranking)[:k], start=1):
        if judgments.get(key, 0) >= min_grade:
            return 1.0 / i
    return 0.0


def recall(
    ranking: Sequence[str],
    judgments: Mapping[str, int],
    k: int = RECALL_AT,
    min_grade: int = RECALL_MIN_GRADE,
) -> float:
    relevant = {key for key, g in judgments.items() if g >= min_grade}
    if not relevant:
        return 0.0
    found = sum(1 for key in _unique(ranking)[:k] if key in relevant)
    return found / min(k, len(relevant))


def _unique(ranking: Sequence[str]) -> list[str]:
    """A document counts once, at its best rank (a system must not gain by repeating it)."""
    seen: set[str] = set()
    out = []
    for key in ranking:
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


@dataclass(frozen=True)
class QueryScore:
    qid: str
    cls: str
    ndcg: float
    mrr: float
    recall: float


def score_query(
    qid: str, cls: str, ranking: Sequence[str], judgments: Mapping[str, int]
) -> QueryScore:
    return QueryScore(
        qid,
        cls,
        ndcg(ranking, judgments),
        reciprocal_rank(ranking, judgments),
        recall(ranking, judgments),
    )


@dataclass(frozen=True)
class Aggregate:
    queries: int
    ndcg: float
    mrr: float
    recall: float


def aggregate(scores: Sequence[QueryScore]) -> Aggregate:
    n = len(scores)
    if n == 0:
        return Aggregate(0, 0.0, 0.0, 0.0)
    return Aggregate(
        n,
        sum(s.ndcg for s in scores) / n,
        sum(s.mrr for s in scores) / n,
        sum(s.recall for s in scores) / n,
    )


def by_class(scores: Sequence[QueryScore]) -> dict[str, Aggregate]:
    """Macro averages per class, in first-seen order, plus "overall" over all queries."""
    classes: dict[str, list[QueryScore]] = {}
    for s in scores:
        classes.setdefault(s.cls, []).append(s)
    result = {cls: aggregate(group) for cls, group in classes.items()}
    result["overall"] = aggregate(scores)
    return result
