"""Training one run (the train rule's notebook) and the timing pass: models, training loop, devices.
Editing a module here retrains every run."""
