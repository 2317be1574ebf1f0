rule fetch_mnist:
    output:
        "resources/mnist.npz",
    params:
        local=config["data"]["local_path"],
        sources=" ".join(config["data"]["sources"]),
    conda:
        "../../environment.yml"
    log:
        "logs/fetch_mnist.log",
    benchmark:
        "benchmarks/fetch_mnist.tsv"
    shell:
        "python workflow/scripts/fetch_mnist.py {output} --local '{params.local}'"
        " --sources {params.sources} > {log} 2>&1"
