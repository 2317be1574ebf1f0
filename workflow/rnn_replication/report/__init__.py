"""The report notebook: what it reads, its words, tables, figures and error analysis.
Editing a module here reruns only the report (and the bundle that holds it)."""
