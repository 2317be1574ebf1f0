"""The collect rule: every run's record checked against the config and gathered into one table."""
