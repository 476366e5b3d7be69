"""Moving the per-image feature files of earlier versions into the store (core/feature_store.py)."""
from __future__ import annotations

import shutil

import numpy as np

from core.files import load_npy


def migrate_per_image_files(store) -> None:
    """Move the <sha[:2]>/<sha>.npy files of earlier versions into the store, once, a few
    thousand rows per commit (100k x 1,280 values would be half a gigabyte at once)."""
    folders = sorted(p for p in store.dir.iterdir() if p.is_dir() and len(p.name) == 2)
    shas, vectors = [], []
    for folder in folders:
        for path in sorted(folder.glob("*.npy")):
            try:
                vector = load_npy(path).astype(np.float32).reshape(-1)
            except (OSError, ValueError):
                continue  # damaged: computed again when needed
            dim = store._meta["dim"] if store._meta else len(vectors[0]) if vectors else len(vector)
            if len(path.stem) == 64 and len(vector) == dim:
                shas.append(path.stem)
                vectors.append(vector)
            if len(vectors) >= store.MIGRATE_ROWS:
                store._commit(shas, np.stack(vectors))
                shas, vectors = [], []
    if vectors:
        store._commit(shas, np.stack(vectors))
    for folder in folders:  # only after the store holds them
        shutil.rmtree(folder, ignore_errors=True)
