"""Training one run: the models, the training loop, the backends' arithmetic settings. Only code that
decides a run's numbers lives here: it is every run's identity (core.identity), so editing a module here
trains every run again, under a new variant. Logging, records and launching are observe/'s."""
