rule train:
    input:
        data="resources/mnist.npz",
        notebook="notebooks/train.ipynb",
    output:
        metrics=f"results/runs/{RUN_PATTERN}/metrics.json",
        history=f"results/runs/{RUN_PATTERN}/history.csv",
        notebook=f"results/runs/{RUN_PATTERN}/train.ipynb",
    conda:
        "../../environment.yml"
    log:
        # The executed notebook lands here first, so a failed run keeps its traceback.
        notebook=f"logs/train/{RUN_PATTERN}.ipynb",
        stdout=f"logs/train/{RUN_PATTERN}.log",
    benchmark:
        f"benchmarks/train/{RUN_PATTERN}.tsv"
    threads: config["threads_per_run"]
    priority: training_priority
    resources:
        # One slot on a GPU; profiles/default sets how many jobs may hold one at a time.
        gpu_jobs=1,
    params:
        backend=config["backend"],
        units=config["units"],
        epochs=config["epochs"],
        batch_size=config["batch_size"],
        learning_rate=config["learning_rate"],
        train_subset=config["train_subset"],
        test_subset=config["test_subset"],
        # Not an output: Snakemake must not delete it when it reruns a killed job.
        resume_dir=f"results/resume/{RUN_PATTERN}",
    shell:
        "KERAS_BACKEND={params.backend} python workflow/scripts/run_notebook.py {input.notebook} {log.notebook}"
        " --log-output --no-progress-bar"
        " -p cell {wildcards.cell} -p form {wildcards.form} -p seed {wildcards.seed}"
        " -p semantics {wildcards.semantics} -p backend {params.backend}"
        " -p units {params.units} -p epochs {params.epochs} -p batch_size {params.batch_size}"
        " -p learning_rate {params.learning_rate} -p threads {threads}"
        " -p train_subset {params.train_subset} -p test_subset {params.test_subset}"
        " -p data_path {input.data} -p metrics_path {output.metrics} -p history_path {output.history}"
        " -p resume_dir {params.resume_dir}"
        " > {log.stdout} 2>&1"
        " && cp {log.notebook} {output.notebook}"
        " || (echo 'Training {wildcards.cell}-{wildcards.form}-{wildcards.semantics}-seed{wildcards.seed} failed."
        " The executed notebook with the traceback: {log.notebook}; its output: {log.stdout}' >&2; exit 1)"


# Seconds per epoch of the single-layer cells, interleaved, with the machine to itself: the job claims every
# core Snakemake was given, so no training job runs beside it (their epochs share the cores and are not
# comparable). Feeds the claim that GRU trains faster than LSTM.
rule timing:
    input:
        data="resources/mnist.npz",
        script="workflow/scripts/time_cells.py",
    output:
        "results/timing.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/timing.log",
    benchmark:
        "benchmarks/timing.tsv"
    threads: workflow.cores
    priority: 100000
    resources:
        gpu_jobs=1,
    params:
        backend=config["backend"],
        repeats=config["timing"]["repeats"],
        cells=config["cells"],
        units=config["units"],
        batch_size=config["batch_size"],
        learning_rate=config["learning_rate"],
        semantics=config["semantics"],
        train_subset=config["train_subset"],
        test_subset=config["test_subset"],
    shell:
        "KERAS_BACKEND={params.backend} python {input.script} {output} --data {input.data}"
        " --repeats {params.repeats} --cells {params.cells} --units {params.units}"
        " --batch-size {params.batch_size} --learning-rate {params.learning_rate}"
        " --semantics {params.semantics} --train-subset {params.train_subset}"
        " --test-subset {params.test_subset} > {log} 2>&1"
