"""Write a verified MNIST to OUT.npz from the config's `data` block: a local copy if one is set, else the
first download source that works. Each step goes to LOG and to standard error.

Usage: python workflow/scripts/fetch_mnist.py OUT.npz LOG DATA_JSON
DATA_JSON is the config's `data` block ({"local_path": ..., "sources": [...]}).
"""

import json
import sys

from rnn_replication.data.fetch import fetch_logged

if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out, log_path, data_config = sys.argv[1:]
    try:
        fetch_logged(out, json.loads(data_config), log_path)
    except Exception:  # noqa: BLE001 - fetch_logged has written the reason to the log and the terminal
        sys.exit(1)
