"""The variants of runs on disk (results/runs/<variant>/): what each was made with, its runs, its size;
or delete one with all its files (runs, resume states, logs, TensorBoard files, benchmarks).

Usage, from the repository root:
    python workflow/scripts/variants.py                  # list them
    python workflow/scripts/variants.py --delete VARIANT # remove one (refused while one of its runs trains)
A variant comes back without training only while its folder is there: deleting the variant of the current
config means training its runs again.
"""

import argparse
import sys

from rnn_replication.core.fingerprint import digest
from rnn_replication.pipeline import variants


def describe(variant: variants.Variant) -> str:
    shared = variant.shared
    if not shared:
        return f"{variant.name}: {len(variant.records)} runs, no identity in their records"
    settings = ", ".join(
        f"{key} {value if value != '' else 'none'}"
        for key, value in shared.items()
        if key not in ("code", "versions", "data_sha256") and not isinstance(value, dict)
    )
    versions = ", ".join(f"{name} {version}" for name, version in shared.get("versions", {}).items())
    finished = max((str(record.get("finished_at") or "") for record in variant.records.values()), default="")
    return (
        f"{variant.name}: {len(variant.records)} run{'s' if len(variant.records) != 1 else ''}, "
        f"{variant.bytes() / 1e6:.1f} MB, last finished "
        f"{finished or 'never'}\n    {settings}\n    {versions}; train code {digest(shared.get('code', {}))}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delete", metavar="VARIANT", help="remove this variant's folders")
    args = parser.parse_args()
    if args.delete:
        try:
            removed = variants.delete(args.delete)
        except (FileNotFoundError, RuntimeError, ValueError) as error:
            print(f"variants: {error}", file=sys.stderr)
            return 1
        print("removed " + ", ".join(str(path) for path in removed))
        return 0
    found = variants.on_disk()
    if not found:
        print(f"no variants under {variants.RUNS_DIR}")
    for variant in found:
        print(describe(variant))
    older = variants.not_variants()
    if older:
        print(
            f"{len(older)} folders of runs of the layout before variants, not used (delete them by hand): ",
            end="",
        )
        print(", ".join(str(folder) for folder in older))
    return 0


if __name__ == "__main__":
    sys.exit(main())
