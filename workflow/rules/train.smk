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
        # Compared by Snakemake: the run's settings and identity (which also name its folder).
        settings=run_settings,
        # Functions of the output, so not compared: where the resume state, the log lines and TensorBoard's
        # event files go changes no number.
        resume=lambda wildcards, output: run_paths(wildcards).resume,
        name=lambda wildcards, output: f"{wildcards.variant}/{run_spec(wildcards).name}",
        noise=lambda wildcards, output: TENSORFLOW_NOISE,
        progress=progress_settings,
        tensorboard=lambda wildcards, output: run_paths(wildcards).tensorboard,
    shell:
        # The log gets everything but TensorFlow's start-up noise on a machine without a GPU; the terminal
        # gets one line per epoch (grep finds none when a resumed run had no epoch left to train).
        "(python workflow/scripts/run_notebook.py notebooks/train.ipynb {log.notebook:q}"
        " --log-output --no-progress-bar -y {params.settings:q} -p threads {threads}"
        " -p data_path {input.data:q} -p metrics_path {output.metrics:q} -p history_path {output.history:q}"
        " -p model_path {output.model:q} -p confusion_path {output.confusion:q}"
        " -p resume_dir {params.resume:q} -p tensorboard_dir {params.tensorboard:q} 2>&1"
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
        table=report(TIMING["table"], caption="../report/timing.rst", category="Tables"),
        # What decides the pass's seconds, beside them (the next variant says how it differs from this one).
        identity=TIMING["identity"],
    log:
        TIMING["log"],
    benchmark:
        TIMING["benchmark"]
    priority: 100000
    conda:
        CONDA_ENV
    threads: every_core
    resources:
        gpu_jobs=GPU_TOKEN,
    params:
        # Compared by Snakemake: what decides the pass's seconds (which also names its folder).
        identity=selection.settings_json(PLAN.timing_identity()),
        backend=config["backend"],
        repeats=config["timing"]["repeats"],
        max_busy=config["verdict"]["max_other_cpu_share"],
        cells=config["cells"],
        cpu_isa=PLAN.timing_identity()["cpu_isa"],
        settings=selection.settings_json({name: config[name] for name in identity.TIMING_SETTINGS}),
        # Functions of the output, so not compared: log filtering and the estimate change no number.
        noise=lambda wildcards, output: TENSORFLOW_NOISE,
        progress=progress_settings,
    shell:
        # The log gets everything but TensorFlow's start-up noise; the terminal gets a line per cell's
        # warm-up and per repeat, then the estimate of the whole grid's training on this machine.
        "(KERAS_BACKEND={params.backend:q} python workflow/scripts/time_cells.py {output.table:q}"
        " --identity-out {output.identity:q} --identity {params.identity:q}"
        " --data {input.data:q} --repeats {params.repeats} --max-busy {params.max_busy:q}"
        " --cells {params.cells:q}"
        " --settings {params.settings:q} --cpu-isa {params.cpu_isa:q} 2>&1"
        " | grep --line-buffered -v -E {params.noise:q} | tee {log:q}"
        " | {{ grep --line-buffered '^timing: ' >&2 || true; }})"
        " && {{ python workflow/scripts/progress.py {params.progress:q} || true; }}"
