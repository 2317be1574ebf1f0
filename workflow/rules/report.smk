rule collect:
    input:
        metrics=expand("results/runs/{run}/metrics.json", run=selected_runs()),
    output:
        "results/summary.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/collect.log",
    shell:
        "python workflow/scripts/collect_runs.py {output} {input.metrics} > {log} 2>&1"


rule judge:
    input:
        summary=rules.collect.output[0],
        timing=rules.timing.output[0],
        article="paper/article.yaml",
        claims="paper/claims.yaml",
    output:
        "results/replication.csv",
    conda:
        "../../environment.yml"
    log:
        "logs/judge.log",
    params:
        semantics=config["semantics"],
        verdict=config["verdict"],
    script:
        "../scripts/judge_replication.py"


rule report:
    input:
        summary=rules.collect.output[0],
        replication=rules.judge.output[0],
        timing=rules.timing.output[0],
        notebook="notebooks/report.ipynb",
        article="paper/article.yaml",
        article_history="paper/article_history.csv",
    output:
        notebook="results/report.ipynb",
        html="results/report.html",
    conda:
        "../../environment.yml"
    log:
        "logs/report.log",
    params:
        config=report_parameters,
    shell:
        "(python workflow/scripts/run_notebook.py {input.notebook} {output.notebook}"
        " --log-output --no-progress-bar"
        " -p summary_path {input.summary} -p replication_path {input.replication}"
        " -p timing_path {input.timing} -p paper_dir paper"
        " -y {params.config}"
        " && jupyter nbconvert --to html --no-input --template selfcontained"
        " --TemplateExporter.extra_template_basedirs=workflow/templates"
        " {output.notebook} --output report"
        " --output-dir results) > {log} 2>&1"
