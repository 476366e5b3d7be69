#!/usr/bin/env python3
"""Quality of `build.py query --text` on imagen, whose file names carry each photo's class.

For every class of the sample (200; the name from the file, "domestic_cat" -> "domestic
cat"), the class name is the query and precision@5 counts the top 5 of that class; broad
words ("dog", "bird", "vehicle"...) count, in the top min(10, R), the photos whose class is a
kind of that word's first sense in WordNet, R being how many such photos there are (R-precision
capped at 10). Both rankings, WordNet senses and GloVe ConSE, on the same build.

Usage: .venv/bin/python bench/text_query_bench.py [--work-dir DIR]   (builds imagen there if needed)
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BROAD = ("dog", "bird", "fish", "vehicle", "fruit", "insect", "snake", "boat", "musical instrument", "tool")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("LOOKALIKE_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--work-dir", default="/tmp/lookalike-text-bench")
    args = ap.parse_args()
    import build
    from core.vocabulary import covers, noun_ids
    from core.workfolder import WorkFolder
    from query.by_text import rank_by_words
    from query.conse import rank_by_conse

    coll = Path(args.data) / "imagen"
    build.main(["embed", "--collection", str(coll), "--work-dir", args.work_dir, "--facets", "content", "--quiet"])
    manifest = WorkFolder(Path(args.work_dir)).build(coll).read_manifest()
    wnid = [im.path.split("_")[0] for im in manifest.images]
    label = [im.path.split("_", 2)[2].rsplit(".", 1)[0].replace("_", " ") for im in manifest.images]
    classes = sorted(set(label))
    for name, rank in (("WordNet", rank_by_words), ("ConSE (GloVe)", rank_by_conse)):
        p5 = [sum(label[r] == c for r, _, _ in rank(manifest, c)[:5]) / 5 for c in classes]
        broad = {}
        for word in BROAD:
            senses = set(noun_ids(word)[:1])  # the word's first (most common) sense
            relevant = sum(bool(senses & covers(w)) for w in wnid)
            if not relevant:  # e.g. "boat": imagen's watercraft are a broader kind, not boats
                continue
            top = rank(manifest, word)[: min(10, relevant)]
            broad[word] = sum(bool(senses & covers(wnid[r])) for r, _, _ in top) / max(1, min(10, relevant))
        print(f"{name:<14} class names: mean precision@5 {sum(p5) / len(p5):.3f} over {len(classes)} classes; "
              f"broad words: mean precision@10 {sum(broad.values()) / len(broad):.3f} "
              f"({', '.join(f'{w} {p:.1f}' for w, p in broad.items())})")
    print("photos of each broad kind: " + ", ".join(
        f"{w} {sum(bool(set(noun_ids(w)[:1]) & covers(x)) for x in wnid)}" for w in BROAD))


if __name__ == "__main__":
    main()
