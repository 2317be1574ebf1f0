"""MNIST: fetched and verified once (``fetch``, the fetch_mnist rule), loaded by every run (``mnist``)."""
