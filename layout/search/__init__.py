"""Neighbour search engines: annoy.py (the product's), faiss.py (FAISS IVF, above 20,000 images),
exact.py (brute force and the exact re-ranking), recall.py (measured recall@k)."""
