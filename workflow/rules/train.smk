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
