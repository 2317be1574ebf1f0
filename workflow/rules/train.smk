rule train:
    input:
        # ancient(): the file is verified by its checksum; fetching it again (same bytes) retrains nothing.
        data=ancient(rules.fetch_mnist.output[0]),
    output:
        metrics=RUN_FILES.metrics,
        history=RUN_FILES.history,
        model=RUN_FILES.model,
        confusion=RUN_FILES.confusion,
        notebook=RUN_FILES.notebook,
    log:
        # The executed notebook lands here first, so a failed run keeps its traceback.
        notebook=RUN_FILES.log_notebook,
        stdout=RUN_FILES.log,
    benchmark:
        RUN_FILES.benchmark
    priority: training_priority
    conda:
        CONDA_ENV
    threads: config["threads_per_run"]
    resources:
        # One slot on a GPU; profiles/default sets how many jobs may hold one at a time.
        gpu_jobs=GPU_TOKEN,
    params:
        # Compared by Snakemake: the code's meaning (one line per file) and the run's settings.
        *CODE["train"],
        settings=run_settings,
        resume=resume_dir,
        name=runs.NAME_PATTERN,
        # Functions of the output, so not compared: which log lines are filtered changes no number, and
        # the code's digest repeats the code lines above (for the run's record).
        noise=lambda wildcards, output: TENSORFLOW_NOISE,
        code=lambda wildcards, output: TRAIN_CODE,
        progress=progress_settings,
        # TensorBoard's event files (logs/tensorboard/<run>): where the curves go changes no number.
        tensorboard=lambda wildcards, output: run_spec(wildcards).paths().tensorboard,
    shell:
        # The log gets everything but TensorFlow's start-up noise on a machine without a GPU; the terminal
        # gets one line per epoch (grep finds none when a resumed run had no epoch left to train).
        "(python workflow/scripts/run_notebook.py notebooks/train.ipynb {log.notebook:q}"
        " --log-output --no-progress-bar -y {params.settings:q} -p threads {threads}"
        " -p data_path {input.data:q} -p metrics_path {output.metrics:q} -p history_path {output.history:q}"
        " -p model_path {output.model:q} -p confusion_path {output.confusion:q}"
        " -p resume_dir {params.resume:q} -p code_fingerprint {params.code:q}"
        " -p tensorboard_dir {params.tensorboard:q} 2>&1"
        " | grep --line-buffered -v -E {params.noise:q} | tee {log.stdout:q}"
        " | {{ grep --line-buffered -E ' epoch [0-9]+/[0-9]+: ' >&2 || true; }})"
        " && cp {log.notebook:q} {output.notebook:q}"
        " && {{ python workflow/scripts/progress.py {params.progress:q} --finished {params.name:q} || true; }}"
        " || (echo 'Training {params.name} failed. The executed notebook with the traceback:"
        " {log.notebook}; its output: {log.stdout}' >&2; exit 1)"


# Seconds per epoch of the single-layer cells, interleaved, with the machine to itself: the job claims every
# core Snakemake was given, so no training job runs beside it (their epochs share the cores and are not
# comparable). Feeds the claim that GRU trains faster than LSTM.
rule timing:
    input:
        # ancient(): the file is verified by its checksum; fetching it again (same bytes) retrains nothing.
        data=ancient(rules.fetch_mnist.output[0]),
    output:
        report(TIMING_TABLE, caption="../report/timing.rst", category="Tables"),
    log:
        "logs/timing.log",
    benchmark:
        "benchmarks/timing.tsv"
    priority: 100000
    conda:
        CONDA_ENV
    threads: every_core
    resources:
        gpu_jobs=GPU_TOKEN,
    params:
        *CODE["timing"],
        backend=config["backend"],
        repeats=config["timing"]["repeats"],
        cells=config["cells"],
        cpu_isa=runs.cpu_isa_cap(config["semantics"], config["cpu_isa"]),
        settings=selection.settings_json(
            {"semantics": config["semantics"]} | {name: config[name] for name in runs.HYPERPARAMETERS}
        ),
        # Functions of the output, so not compared: log filtering and the estimate change no number.
        noise=lambda wildcards, output: TENSORFLOW_NOISE,
        progress=progress_settings,
    shell:
        # The log gets everything but TensorFlow's start-up noise; the terminal gets a line per cell's
        # warm-up and per repeat, then the estimate of the whole grid's training on this machine.
        "(KERAS_BACKEND={params.backend:q} python workflow/scripts/time_cells.py {output:q}"
        " --data {input.data:q} --repeats {params.repeats} --cells {params.cells:q}"
        " --settings {params.settings:q} --cpu-isa {params.cpu_isa:q} 2>&1"
        " | grep --line-buffered -v -E {params.noise:q} | tee {log:q}"
        " | {{ grep --line-buffered '^timing: ' >&2 || true; }})"
        " && {{ python workflow/scripts/progress.py {params.progress:q} || true; }}"
