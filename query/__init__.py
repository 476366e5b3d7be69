"""Querying a built collection from the command line: by image (the saved Annoy index) or by words."""
