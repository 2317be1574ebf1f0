"""rnn_replication: the small module the workflow's notebooks call.

- ``data``: fetch and verify MNIST, load it as row sequences.
- ``models``: build the article's SimpleRNN / LSTM / GRU models (Keras 2.2 semantics by default).
- ``training``: train one configuration and write its metrics and history.
- ``reporting``: collect runs, compare with the article, draw the history figures.

Only ``models`` and ``training`` import Keras, so the backend can be chosen first.
"""

# The experiment grid, shared by the model builder and the report (which must not import Keras).
CELLS = {"simplernn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}  # config name -> Keras layer / label
FORMS = ("single", "stacked", "bidirectional")
SEMANTICS = ("article", "modern")
