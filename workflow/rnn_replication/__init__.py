"""rnn_replication: the small module the workflow's notebooks call.

- ``data``: fetch and verify MNIST, load it as row sequences.
- ``models``: build the article's SimpleRNN / LSTM / GRU models (Keras 2.2 semantics by default).
- ``training``: train one configuration and write its metrics and history.
- ``reporting``: collect runs, compare with the article, draw the history figures.

Only ``models`` and ``training`` import Keras, so the backend can be chosen first.
"""
