"""What every step shares: what a run is, its identity, name and files, the record formats, the article.
Editing a module here reruns every step that imports it (``spec.py``: training too): keep it small."""
