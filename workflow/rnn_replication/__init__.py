"""rnn_replication: the package the workflow's rules and notebooks call.

- ``runs``: the grid axes and one run's specification, name and files (Keras-free).
- ``data``: fetch and verify MNIST, load it as row sequences.
- ``models``: build the article's SimpleRNN / LSTM / GRU models (Keras 2.2 semantics by default).
- ``training``: train one run and write its metrics and history; ``timing``: the timing pass.
- ``inference`` and ``replication``: the statistics and the verdicts on the article's numbers and claims.
- ``collect``, ``tables``, ``figures``: the report's inputs, tables and figures.

Only ``models``, ``training`` and ``timing`` import Keras, so the backend can be chosen first.
"""

from .runs import CELLS, FORMS, SEMANTICS

__all__ = ["CELLS", "FORMS", "SEMANTICS"]
