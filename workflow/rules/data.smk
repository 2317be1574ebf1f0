rule fetch_mnist:
    conda:
        CONDA_ENV
    output:
        "resources/mnist.npz",
    params:
        local=config["data"]["local_path"],
        sources=config["data"]["sources"],
    log:
        "logs/fetch_mnist.log",
    benchmark:
        "benchmarks/fetch_mnist.tsv"
    shell:
        "python workflow/scripts/fetch_mnist.py {output:q} --local {params.local:q}"
        " --sources {params.sources:q} > {log:q} 2>&1"
