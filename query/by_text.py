"""Which images show what these words name? Words -> WordNet senses -> the images whose
tags are those things or kinds of them ("dog" finds every breed, "vehicle" cars and boats).

Each noun sense of a query word is weighted by how often WordNet's tagged corpus uses it
(so "dog" is mostly the animal, a little the hot dog), and an image scores, for each word,
the probability of its best-matching tag times that weight; the words' scores add up.
Without WordNet, a word matches the class names only. The ConSE ranking (GloVe vectors of
the words against the probability-weighted vectors of each image's class names) lives in
query/conse.py.
"""
from __future__ import annotations

import re

# English function words: not things anyone looks for ("a" is also vitamin A in WordNet)
STOP_WORDS = frozenset("a an and the of on in at by for with to from or near under over into onto "
                       "is are some any this that these those".split())


def query_terms(text: str) -> list[str]:
    """The words and two-word phrases of the text that WordNet knows as nouns, longest first:
    "golden retriever on a beach" -> ["golden retriever", "beach"]."""
    from core.vocabulary import noun_ids, wordnet

    words = [w for w in re.findall(r"[a-z0-9'-]+", text.lower())]
    terms, i = [], 0
    while i < len(words):
        pair = " ".join(words[i:i + 2])
        if i + 1 < len(words) and wordnet() is not None and noun_ids(pair):
            terms.append(pair)
            i += 2
            continue
        if words[i] not in STOP_WORDS:
            terms.append(words[i])
        i += 1
    return terms


def senses(term: str) -> dict[str, float]:
    """wnid -> weight of each noun sense of the term (weights sum to 1; frequent senses weigh more)."""
    from core.vocabulary import wordnet

    wn = wordnet()
    if wn is None:
        return {}
    synsets = wn.synsets(term.replace(" ", "_"), "n")
    counts = []
    for s in synsets:
        lemma = next((lm for lm in s.lemmas() if lm.name().lower() == term.replace(" ", "_")), None)
        counts.append((lemma.count() if lemma else 0) + 1)
    total = sum(counts) or 1
    return {f"n{s.offset():08d}": c / total for s, c in zip(synsets, counts)}


def rank_by_words(manifest, text: str) -> list[tuple[int, float, list[str]]]:
    """(row, score, matched tag labels) of every image that matches, best first."""
    from core.vocabulary import covers

    terms = query_terms(text)
    weighted = {t: senses(t) for t in terms}
    scores: dict[int, float] = {}
    matched: dict[int, list[str]] = {}
    for row, im in enumerate(manifest.images):
        for term in terms:
            best, label = 0.0, None
            for tag in im.tags:
                hit = max((w for wnid, w in weighted[term].items() if wnid in covers(tag["wnid"])), default=0.0)
                if not weighted[term] and term in tag["label"].lower():  # no WordNet: names only
                    hit = 1.0
                if tag["p"] * hit > best:
                    best, label = tag["p"] * hit, tag["label"]
            if best > 0:
                scores[row] = scores.get(row, 0.0) + best
                matched.setdefault(row, []).append(label)
    return sorted(((r, s, matched[r]) for r, s in scores.items()), key=lambda x: (-x[1], x[0]))
