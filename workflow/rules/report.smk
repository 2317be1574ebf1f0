rule collect:
    input:
        metrics=[PLAN.paths(spec).metrics for spec in RUNS],
        histories=[PLAN.paths(spec).history for spec in RUNS],
        confusions=[PLAN.paths(spec).confusion for spec in RUNS],
    output:
        summary=report("results/summary.csv", caption="../report/summary.rst", category="Tables"),
        confusion=report("results/confusion.csv", caption="../report/confusion.rst", category="Tables"),
        # Each run's environment as its record states it: the report reads it here, not from the records.
        provenance=report("results/provenance.csv", caption="../report/provenance.rst", category="Tables"),
    log:
        "logs/collect.log",
    benchmark:
        "benchmarks/collect.tsv"
    conda:
        CONDA_ENV
    params:
        *CODE["collect"],
        *PACKAGES["collect"],
        expected=expected_identities,
        # Compared too: a record replaced under an old modification time makes collect check it again.
        foreign=foreign_records,
        # A function of the output, so not compared: how the user chose the config, for the command a
        # refused record's message gives.
        rerun=lambda wildcards, output: configuration.rerun_options(workflow.config_settings),
    shell:
        "python workflow/scripts/collect_runs.py {output.summary:q} {output.confusion:q}"
        " {output.provenance:q} {params.expected:q} {params.rerun:q} {input.metrics:q} > {log:q} 2>&1"
        " || (tail -n 1 {log:q} >&2; exit 1)"


rule judge:
    input:
        summary=rules.collect.output.summary,
        timing=rules.timing.output.table,
        # The judge reads these files of paper/ and no other.
        article="paper/article.yaml",
        claims="paper/claims.yaml",
        article_history="paper/article_history.csv",
        features="paper/features.yaml",
        # Read through the summary's paths (the single-layer runs' curves): declared, so the curves are
        # judged again exactly when a history changes.
        histories=[PLAN.paths(spec).history for spec in RUNS],
    output:
        replication=report(
            "results/replication.csv", caption="../report/replication.rst", category="Does it replicate?"
        ),
        # What the report shows beside the verdicts, computed here so that the report computes nothing.
        seed_spread="results/seed_spread.csv",
        timing_ratios="results/timing_ratios.csv",
        semantics="results/semantics.csv",
        curves=report("results/curves.csv", caption="../report/curves.rst", category="Does it replicate?"),
        curve_bands="results/curve_bands.csv",
    log:
        "logs/judge.log",
    benchmark:
        "benchmarks/judge.tsv"
    conda:
        CONDA_ENV
    params:
        *CODE["judge"],
        *PACKAGES["judge"],
        # What the verdicts depend on besides the files: a changed level or margin judges again.
        settings=selection.settings_json({"semantics": config["semantics"], "verdict": config["verdict"]}),
    shell:
        "python workflow/scripts/judge.py {input.summary:q} {input.timing:q} {input.article:q} {input.claims:q}"
        " {input.article_history:q} {input.features:q} {params.settings:q} {output.replication:q}"
        " {output.curves:q} {output.curve_bands:q} {output.seed_spread:q} {output.timing_ratios:q}"
        " {output.semantics:q}"
        " > {log:q} 2>&1 || (tail -n 1 {log:q} >&2; exit 1)"


# Another replication beside this one (config `reference`): does this machine reproduce it?
rule compare:
    input:
        summary=rules.collect.output.summary,
        reference=config["reference"] or [],
    output:
        report("results/comparison.csv", caption="../report/comparison.rst", category="Does it replicate?"),
    log:
        "logs/compare.log",
    conda:
        CONDA_ENV
    params:
        *CODE["compare"],
        *PACKAGES["compare"],
        alpha=config["verdict"]["alpha"],
        margins=selection.settings_json(config["verdict"]["margins"]),
    shell:
        "python workflow/scripts/compare_replications.py {input.summary:q} {input.reference:q}"
        " --out {output:q} --alpha {params.alpha} --margins {params.margins:q}"
        " > {log:q} 2>&1 || (tail -n 1 {log:q} >&2; exit 1)"


rule report:
    input:
        summary=rules.collect.output.summary,
        provenance=rules.collect.output.provenance,
        replication=rules.judge.output.replication,
        seed_spread=rules.judge.output.seed_spread,
        timing_ratios=rules.judge.output.timing_ratios,
        semantics=rules.judge.output.semantics,
        curves=rules.judge.output.curves,
        curve_bands=rules.judge.output.curve_bands,
        timing=rules.timing.output.table,
        confusion=rules.collect.output.confusion,
        article="paper/article.yaml",
        article_history="paper/article_history.csv",
        features="paper/features.yaml",
        claims="paper/claims.yaml",
        comparison=rules.compare.output[0] if config["reference"] else [],
        # Read through the summary's paths: each run's history (the figures). Declared, so the report is out
        # of date exactly when they change. The runs' records it does not read: collect's provenance table
        # holds what it shows of them.
        histories=[PLAN.paths(spec).history for spec in RUNS],
    output:
        # update(): Snakemake keeps the previous report until a new one has been made, and puts it back
        # if the report fails.
        notebook=update("results/report.ipynb"),
        html=update("results/report.html"),
        figures=report(
            directory("results/figures"),
            patterns=["{figure}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    log:
        # The executed notebook lands here first, so a failed report keeps its traceback.
        notebook="logs/report.ipynb",
        stdout="logs/report.log",
    benchmark:
        "benchmarks/report.tsv"
    conda:
        CONDA_ENV
    params:
        *CODE["report"],
        *PACKAGES["report"],
        notebook=report_parameters,
        # As YAML, so that "no reference" is an empty string, not a missing word on the command line; a
        # function of the input, so not compared (the input is).
        comparison=lambda wildcards, input: json.dumps({"comparison_path": str(input.comparison or "")}),
        # The options that chose the config, for the report's rebuild commands; a function of the output,
        # so not compared (the config, which they choose, is).
        rerun=lambda wildcards, output: configuration.rerun_options(workflow.config_settings),
    shell:
        "(python workflow/scripts/run_notebook.py notebooks/report.ipynb {log.notebook:q}"
        " --log-output --no-progress-bar"
        " -p summary_path {input.summary:q} -p provenance_path {input.provenance:q}"
        " -p replication_path {input.replication:q}"
        " -p timing_path {input.timing:q} -p confusion_path {input.confusion:q}"
        " -p seed_spread_path {input.seed_spread:q} -p timing_ratios_path {input.timing_ratios:q}"
        " -p semantics_path {input.semantics:q} -p curves_path {input.curves:q}"
        " -p curve_bands_path {input.curve_bands:q} -y {params.comparison:q}"
        " -r rerun_options {params.rerun:q}"
        " -p paper_dir paper -p figures_dir {output.figures:q}"
        " -y {params.notebook:q}"
        " && jupyter nbconvert --to html --no-input --template selfcontained"
        " --TemplateExporter.extra_template_basedirs=workflow/templates"
        " {log.notebook:q} --output report --output-dir results"
        " && cp {log.notebook:q} {output.notebook:q}) > {log.stdout:q} 2>&1"
        " || (echo 'The report failed; the previous one, if any, is kept. The executed notebook with the"
        " traceback: {log.notebook}; its output: {log.stdout}' >&2; exit 1)"


# The report with every run's record beside it, in the layout its links expect: Snakemake's own report
# (`snakemake --report results/report.zip`) shows this folder, so the links work inside the archive too.
rule bundle:
    input:
        html=rules.report.output.html,
        records=[path for spec in RUNS for path in PLAN.paths(spec).linked()],
    output:
        report(
            directory("results/bundle"),
            htmlindex="report.html",
            caption="../report/bundle.rst",
            category="Report",
        ),
    log:
        "logs/bundle.log",
    benchmark:
        "benchmarks/bundle.tsv"
    conda:
        CONDA_ENV
    params:
        *CODE["bundle"],
        *PACKAGES["bundle"],
    shell:
        "python workflow/scripts/bundle_report.py {input.html:q} results {output:q} {input.records:q}"
        " > {log:q} 2>&1 || (tail -n 1 {log:q} >&2; exit 1)"
