rule collect:
    conda:
        CONDA_ENV
    input:
        metrics=[spec.paths().metrics for spec in RUNS],
        code=CODE["collect"],
    output:
        "results/summary.csv",
    log:
        "logs/collect.log",
    shell:
        "python workflow/scripts/collect_runs.py {output:q} {input.metrics:q} > {log:q} 2>&1"


rule judge:
    input:
        summary=rules.collect.output[0],
        timing=rules.timing.output[0],
        article="paper/article.yaml",
        claims="paper/claims.yaml",
        code=CODE["judge"],
    output:
        "results/replication.csv",
    log:
        "logs/judge.log",
    run:
        replication.write_replication(input.summary, input.timing, "paper", config, output[0], log[0])


rule report:
    conda:
        CONDA_ENV
    input:
        summary=rules.collect.output[0],
        replication=rules.judge.output[0],
        timing=rules.timing.output[0],
        notebook="notebooks/report.ipynb",
        article="paper/article.yaml",
        article_history="paper/article_history.csv",
        code=CODE["report"],
    output:
        notebook="results/report.ipynb",
        html="results/report.html",
    log:
        "logs/report.log",
    params:
        notebook=report_parameters,
    shell:
        "(python workflow/scripts/run_notebook.py {input.notebook:q} {output.notebook:q}"
        " --log-output --no-progress-bar"
        " -p summary_path {input.summary:q} -p replication_path {input.replication:q}"
        " -p timing_path {input.timing:q} -p paper_dir paper"
        " -y {params.notebook:q}"
        " && jupyter nbconvert --to html --no-input --template selfcontained"
        " --TemplateExporter.extra_template_basedirs=workflow/templates"
        " {output.notebook:q} --output report"
        " --output-dir results) > {log:q} 2>&1"
