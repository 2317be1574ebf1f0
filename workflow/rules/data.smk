# The data file is judged by its checksum (checked when it is written and by every run that reads it), not
# by the route or the code that fetched it: changing data.local_path, data.sources or the download code
# fetches nothing again, so a verified file is never replaced, and every run retrained, for a setting that
# cannot change a number. update(): Snakemake keeps a copy of the verified file while the job runs and puts
# it back if the job fails (a refused local file or a failed download under --forcerun loses nothing).
rule fetch_mnist:
    output:
        update("resources/mnist.npz"),
    log:
        "logs/fetch_mnist.log",
    benchmark:
        "benchmarks/fetch_mnist.tsv"
    conda:
        CONDA_ENV
    params:
        # A function of the output, so Snakemake does not compare it (see above); quoted for the shell
        # like every value here, and read by the script as JSON, never as a command line.
        sources=data_sources,
    shell:
        "python workflow/scripts/fetch_mnist.py {output:q} {log:q} {params.sources:q}"
