"""Benchmark the groups (layout/groups.py) and their names (layout/group_names.py) on labelled images.

Reads what a normal build left in a work folder (vectors, the map, the manifest's tags and
catalogue), so it loads no model. Make the work folders once:

    python build.py --collection ../shared/data/imagen --work-dir /tmp/groups-work/imagen --out /tmp/s1
    python build.py --collection ../shared/data/flowers --work-dir /tmp/groups-work/flowers --out /tmp/s2
    python build.py --collection ../shared/data/art --metadata ../shared/data/art-labels.csv \\
        --work-dir /tmp/groups-work/art --out /tmp/s3
    (`build.py embed` then `build.py layout` is enough; --facets content,style to save time)

then  .venv/bin/python bench/groups_bench.py --work /tmp/groups-work [--sets flowers,art,imagen]

Prints, per set and facet, for HDBSCAN on 50 principal components of the vectors and on the 2-D
map (the same min_cluster_size, min_samples and largest group): broad groups, the share of images
in no group, NMI and ARI against the labels (every image counted, "no group" as one more label)
and NMI on the grouped images only; the sub-groups; and the names: on imagen (labels = the
ImageNet class in the file name) the share of named groups whose name is the members' majority
class or a WordNet ancestor of it, at several TAG_SHARE thresholds; on art (artist, movement
from art-labels.csv) the share of named groups whose name is their majority artist or movement.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def load(work: Path):
    from core.workfolder import BuildFolder, WorkFolder

    builds = sorted((work / "builds").glob("*/manifest.json"))
    if not builds:
        sys.exit(f"no build in {work}: make it first (see this file's docstring)")
    folder = BuildFolder(WorkFolder(work), builds[0].parent)
    return folder, folder.read_manifest()


def labels_of(name: str, manifest) -> dict:
    if name == "imagen":
        return {"class": np.array([im.path.split("_")[0] for im in manifest.images])}
    out = {"folder": np.array([im.path.split("/")[0] for im in manifest.images])}
    for column in ("style",):
        if any(column in im.meta for im in manifest.images):
            out[column] = np.array([str(im.meta.get(column, "")) for im in manifest.images])
    return out


def pca_groups(vectors: np.ndarray, min_size: int):
    from layout import groups as grouping
    from layout.pca import pca_basis, project

    v = np.asarray(vectors, np.float32)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    mean, comps = pca_basis(v, 50, 42)
    return grouping.find(project(v, mean, comps), min_size)


def agreement(of: np.ndarray, truth: np.ndarray) -> str:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    g = of >= 0
    grouped = normalized_mutual_info_score(truth[g], of[g]) if g.sum() > 1 else float("nan")
    return (f"groups {len(np.unique(of[g])):3d}  not in a group {1 - g.mean():5.1%}  "
            f"NMI {normalized_mutual_info_score(truth, of):.3f}  ARI {adjusted_rand_score(truth, of):.3f}  "
            f"(grouped only: NMI {grouped:.3f})")


def imagen_names(levels, manifest, truth: np.ndarray, shares) -> None:
    from core import vocabulary
    from layout import group_names
    from layout.group_names import Namer

    namer = Namer([im.tags for im in manifest.images], [{}] * len(manifest))
    chosen = group_names.TAG_SHARE
    for share in shares:
        group_names.TAG_SHARE = share
        named = right = total = 0
        true_share = []
        for level, of in enumerate(levels.of):
            for gid in np.unique(of[of >= 0]):
                rows = np.flatnonzero(of == gid)
                total += 1
                found = namer.tag_concept(rows)
                if found is None:
                    continue
                named += 1
                counts = Counter(truth[rows])
                top = max(counts.values())  # a tie for the most members: any of them is the majority
                right += any(found[0] in vocabulary.covers(c) for c, k in counts.items() if k == top)
                true_share.append(np.mean([found[0] in vocabulary.covers(c) for c in truth[rows]]))
        print(f"    names at TAG_SHARE {share:.2f}: {named} of {total} groups named ({named / max(total, 1):.0%}); "
              f"{right} of {named} named the majority class or a WordNet ancestor of it ({right / max(named, 1):.0%});"
              f" the name is true of {np.mean(true_share) if true_share else 0:.0%} of a named group's members "
              f"(by their true class)")
    group_names.TAG_SHARE = chosen


def catalogue_names(levels, manifest, labels: dict) -> None:
    from layout.group_step import namer_for

    namer = namer_for(manifest)
    named = right = total = 0
    given: dict = {}
    for level, of in enumerate(levels.of):
        for gid in np.unique(of[of >= 0]):
            rows = np.flatnonzero(of == gid)
            total += 1
            name, _ = namer.name(rows, avoid=given.get(levels.parent.get(int(gid)), "") if level else "")
            given[int(gid)] = name
            if name:
                named += 1
                right += any(name == Counter(t[rows]).most_common(1)[0][0] for t in labels.values())
    print(f"    names: {named} of {total} groups named ({named / max(total, 1):.0%}); {right} of {named} "
          f"are the majority artist or movement of their members ({right / max(named, 1):.0%})")


def tag_names(levels, manifest, truth: np.ndarray) -> None:
    """Names from the tags alone, beside each group's majority label (flowers: is "daisy" daisies?)."""
    from layout.group_step import namer_for

    namer, said = namer_for(manifest), []
    for of in levels.of:
        for gid in np.unique(of[of >= 0]):
            rows = np.flatnonzero(of == gid)
            label, k = Counter(truth[rows]).most_common(1)[0]
            said.append(f"{namer.name(rows)[0] or '-'} ({label} {k}/{len(rows)})")
    print(f"    names (majority label): {', '.join(said)}")


def main(argv=None) -> None:
    from layout import groups as grouping

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, default=Path("/tmp/groups-work"), help="folder of <set>/ work folders")
    p.add_argument("--sets", default="flowers,art,imagen")
    p.add_argument("--facets", default="content,style")
    p.add_argument("--tag-shares", default="0.5,0.6,0.667,0.75")
    args = p.parse_args(argv)
    for name in args.sets.split(","):
        folder, manifest = load(args.work / name)
        labels = labels_of(name, manifest)
        min_size = grouping.auto_min_size(len(manifest))
        print(f"{name}: {len(manifest)} images, min_cluster_size {min_size}, labels: {', '.join(labels)}")
        for facet in args.facets.split(","):
            if facet not in manifest.facets:
                continue
            vectors = folder.read_features(manifest, facet)
            on_map = grouping.find(folder.read_layout(manifest, facet).xy(), min_size)
            for space, levels in (("PCA-50", pca_groups(vectors, min_size)), ("map", on_map)):
                for label, truth in labels.items():
                    print(f"  {facet:7} {space:6} by {label:7}: {agreement(levels.of[0], truth)}")
                subs = np.unique(levels.of[1][levels.of[1] >= 0])
                print(f"  {facet:7} {space:6} sub-groups {len(subs)}")
            if name == "imagen":
                imagen_names(on_map, manifest, labels["class"], [float(s) for s in args.tag_shares.split(",")])
            elif any(im.meta for im in manifest.images):
                catalogue_names(on_map, manifest, {k: v for k, v in labels.items()} |
                                {"artist": np.array([str(im.meta.get("artist", "")) for im in manifest.images])})
            else:
                tag_names(on_map, manifest, next(iter(labels.values())))


if __name__ == "__main__":
    main()
