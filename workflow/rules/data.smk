# The data file is judged by its checksum (every training run verifies it), not by the route or the code
# that fetched it: changing data.local_path or data.sources does not fetch again (they are read here, not
# passed as params, which Snakemake would compare), so a verified file is never replaced, and every run
# retrained, because a setting changed. Python in Snakemake itself: no shell sees the paths.
rule fetch_mnist:
    output:
        "resources/mnist.npz",
    log:
        "logs/fetch_mnist.log",
    benchmark:
        "benchmarks/fetch_mnist.tsv"
    run:
        data.fetch_logged(output[0], config["data"], log[0])
