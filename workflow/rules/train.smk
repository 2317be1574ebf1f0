rule train:
    conda:
        CONDA_ENV
    input:
        data=rules.fetch_mnist.output[0],
        notebook="notebooks/train.ipynb",
    output:
        metrics=RUN_FILES.metrics,
        history=RUN_FILES.history,
        notebook=RUN_FILES.notebook,
    log:
        # The executed notebook lands here first, so a failed run keeps its traceback.
        notebook=RUN_FILES.log_notebook,
        stdout=RUN_FILES.log,
    benchmark:
        RUN_FILES.benchmark
    threads: config["threads_per_run"]
    priority: training_priority
    resources:
        # One slot on a GPU; profiles/default sets how many jobs may hold one at a time.
        gpu_jobs=1,
    params:
        notebook=notebook_parameters,
        name=runs.NAME_PATTERN,
    shell:
        "python workflow/scripts/run_notebook.py {input.notebook:q} {log.notebook:q}"
        " --log-output --no-progress-bar -y {params.notebook:q} > {log.stdout:q} 2>&1"
        " && cp {log.notebook:q} {output.notebook:q}"
        " || (echo 'Training {params.name} failed. The executed notebook with the traceback:"
        " {log.notebook}; its output: {log.stdout}' >&2; exit 1)"


# Seconds per epoch of the single-layer cells, interleaved, with the machine to itself: the job claims every
# core Snakemake was given, so no training job runs beside it (their epochs share the cores and are not
# comparable). Feeds the claim that GRU trains faster than LSTM.
rule timing:
    conda:
        CONDA_ENV
    input:
        data=rules.fetch_mnist.output[0],
        script="workflow/scripts/time_cells.py",
    output:
        "results/timing.csv",
    log:
        "logs/timing.log",
    benchmark:
        "benchmarks/timing.tsv"
    threads: every_core
    priority: 100000
    resources:
        gpu_jobs=1,
    params:
        backend=config["backend"],
        repeats=config["timing"]["repeats"],
        cells=config["cells"],
        settings=json.dumps(
            {"semantics": config["semantics"]} | {name: config[name] for name in runs.HYPERPARAMETERS}
        ),
    shell:
        "KERAS_BACKEND={params.backend:q} python {input.script:q} {output:q} --data {input.data:q}"
        " --repeats {params.repeats} --cells {params.cells:q} --settings {params.settings:q}"
        " > {log:q} 2>&1"
