"""The timing pass: seconds per epoch of each single-layer cell, interleaved, on an otherwise idle machine
(the timing rule). Its code is the timing step's identity, with the train/ modules it builds the models
with: editing it times the cells again, and retrains nothing."""
