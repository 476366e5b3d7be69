"""Names for groups that a visitor understands, each with how it was found (`named_by`).

    namer = Namer(tags, meta)       # per image: manifest .tags and .meta, in row order
    name, named_by = namer.name(members)

Two sources; a group gets a name only when one of them is supported by enough of its members,
otherwise "" (the site says "Group 7" and shows its face). When both give one, the name held by
the larger share of all the members wins; a tie goes to the catalogue (the curator's words):

1. The catalogue (the curator's own words). Columns with few distinct values (at most
   CATALOGUE_VALUES, and at most a fifth of the images) and the decade of the date column
   (core/years.py: "1890s"). A value names the group when it holds for at least CATALOGUE_SHARE
   (half) of the members, at least MIN_SUPPORT of them, and is LIFT_MIN (2) times more common in
   the group than in the collection (a column every image shares names nothing). The best value
   has the highest share, then the highest lift. named_by: "catalogue: artist = Claude Monet for
   18 of 20 members, 6x the collection's share".
2. The machine tags, through WordNet (core/vocabulary.py): an image is covered by a concept
   when one of its tags is that class or under it. The name is the most specific concept that
   covers at least TAG_SHARE (two thirds) of the members with a tag, and at least MIN_SUPPORT of them,
   in a group where at least TAGGED_SHARE (half) of the members have a tag (an untagged image is one
   the classifier did not recognise: it neither supports nor refutes a name): "dog" for
   terriers and retrievers, "bird" for finches and jays. A broader concept must be a word people
   use (its WordNet lemma has a SemCor count >= 1, so "dog" rather than "canine" or "placental")
   and at least BROAD_DEPTH deep (not "object", "whole", "artifact"); a tag's own class is
   always allowed ("golden retriever"). Without WordNet only the tags' own classes can name.
   named_by: "machine tags: 'dog' covers 34 of 40 tagged members (WordNet)".

`avoid` (a sub-group's broad group's name) is skipped for the next best. A catalogue value is cut
to NAME_MAX characters. Names are plain text from the catalogue: whoever shows them escapes them.
"""
from __future__ import annotations

from collections import Counter

from core import vocabulary
from core.years import date_column, year_of, year_span

TAG_SHARE = 2 / 3  # measured on imagen (bench/groups_bench.py): at 0.6 one named group in six was wrong
TAGGED_SHARE = 0.5
NAMES_VERSION = 4  # of how names are chosen: a new version names cached groups again (4: twins told apart)
CATALOGUE_SHARE = 0.5
LIFT_MIN = 2.0
MIN_SUPPORT = 3
CATALOGUE_VALUES = 50
BROAD_DEPTH = 6
NAME_MAX = 60


def _concepts(wnid: str, label: str) -> dict:
    """{wnid: (depth, name)} of the class and every broader concept allowed to name a group."""
    wn = vocabulary.wordnet()
    if wn is None:
        return {}
    try:
        synset = wn.synset_from_pos_and_offset("n", int(wnid[1:]))
    except (ValueError, LookupError, AttributeError):
        return {}
    out = {wnid: (synset.min_depth(), label or synset.lemmas()[0].name().replace("_", " "))}
    for s in synset.closure(lambda s: s.hypernyms() + s.instance_hypernyms()):
        if s.min_depth() >= BROAD_DEPTH and any(lemma.count() >= 1 for lemma in s.lemmas()):
            out[f"n{s.offset():08d}"] = (s.min_depth(), s.lemmas()[0].name().replace("_", " "))
    return out


class Namer:
    def __init__(self, tags: list[list[dict]], meta: list[dict]):
        self.n = len(tags)
        cache: dict[str, dict] = {}
        self.covered: list[dict] = []  # per image: {wnid: (depth, name)} of every concept covering it
        for image_tags in tags:
            cover: dict = {}
            for t in image_tags or []:
                wnid = str(t.get("wnid", ""))
                if wnid not in cache:
                    cache[wnid] = _concepts(wnid, str(t.get("label", ""))) if wnid.startswith("n") else {}
                    if not cache[wnid] and t.get("label"):
                        cache[wnid] = {wnid or t["label"]: (99, str(t["label"]))}  # no WordNet: the class only
                cover.update(cache[wnid])
            self.covered.append(cover)
        self.columns = _catalogue_columns(meta)

    @staticmethod
    def rules() -> list:
        """What a name depends on besides the tags and catalogue (a cache key part)."""
        return [NAMES_VERSION, TAG_SHARE, TAGGED_SHARE, CATALOGUE_SHARE, LIFT_MIN, MIN_SUPPORT, CATALOGUE_VALUES,
                BROAD_DEPTH]

    def name(self, members, avoid: str = "") -> tuple[str, str]:
        """(name, named_by) of a group of rows; ("", "") when nothing is supported enough.
        avoid: a name not to give (a sub-group's broad group's): the next best one is taken."""
        members = [int(r) for r in members]
        name, named_by, share = self._catalogue(members, avoid)
        found = self.tag_concept(members, avoid)
        if found is None or (name and share >= found[2] / len(members)):
            return name, named_by
        _, word, count, tagged = found
        how = " (WordNet)" if vocabulary.wordnet() is not None else ""
        return word, f"machine tags: '{word}' covers {count} of {tagged} tagged members{how}"

    def tag_concept(self, members, avoid: str = "") -> tuple[str, str, int, int] | None:
        """(wnid, word, members covered, members tagged) of the concept that names the group."""
        counts: Counter = Counter()
        info: dict = {}
        tagged = [int(r) for r in members if self.covered[int(r)]]
        if not tagged or len(tagged) < TAGGED_SHARE * len(members):
            return None
        for r in tagged:
            for wnid, how in self.covered[r].items():
                counts[wnid] += 1
                info[wnid] = how
        need = max(MIN_SUPPORT, TAG_SHARE * len(tagged))
        fits = {w for w, c in counts.items() if c >= need and info[w][1] != avoid}
        # the most specific: not a broader term of another fit ("dog" over "mammal", whatever their depth)
        fits = [w for w in fits if not any(w != o and w in vocabulary.covers(o) for o in fits)]
        if not fits:
            return None
        count, word, wnid = min((-counts[w], info[w][1], w) for w in fits)  # the widest cover, then by name
        return wnid, word, -count, len(tagged)

    def _catalogue(self, members: list[int], avoid: str) -> tuple[str, str, float]:
        best = None
        for column, cells, overall in self.columns:
            counts = Counter(cells[r] for r in members if cells[r] is not None)
            for value, c in counts.items():
                if value == avoid:
                    continue
                share, lift = c / len(members), (c / len(members)) / (overall[value] / self.n)
                if c >= MIN_SUPPORT and share >= CATALOGUE_SHARE and lift >= LIFT_MIN:
                    cand = (-share, -lift, column, value, c)
                    best = cand if best is None or cand < best else best
        if best is None:
            return "", "", 0.0
        share, lift, column, value, c = best
        value, column = _short(value), _short(column)
        return value, (f"catalogue: {column} = {value} for {c} of {len(members)} members, "
                       f"{-lift:.0f}x the collection's share"), -share


def _short(text: str) -> str:
    """A catalogue cell as a label: at most NAME_MAX characters (a label on the map, not a note)."""
    return text if len(text) <= NAME_MAX else text[:NAME_MAX - 1].rstrip() + "…"


def _catalogue_columns(meta: list[dict]) -> list[tuple[str, list, Counter]]:
    """(column, value per row or None, counts over the collection) of the columns that can name:
    few distinct values, and the date column as decades."""
    n = len(meta)
    names: list[str] = []
    for row in meta:
        names.extend(k for k in row if k not in names)
    dates = date_column(meta) if names else None
    out = []
    for column in names:
        if column == dates:
            years = [year_of(year_span(row.get(column))) for row in meta]
            cells = [f"{y // 10 * 10}s" if y is not None else None for y in years]
            label = "decade"
        else:
            cells = [str(row[column]).strip() or None if row.get(column) is not None else None for row in meta]
            label = column
        overall = Counter(c for c in cells if c is not None)
        if overall and len(overall) <= min(CATALOGUE_VALUES, max(1, n // 5)) and len(overall) < sum(overall.values()):
            out.append((label, cells, overall))
    return out
