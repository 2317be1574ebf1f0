"""What every step shares: one run's specification, name and files, the record formats, the article.
Editing a module here reruns every step that imports it (training included): keep it small."""
