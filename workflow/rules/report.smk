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


rule report:
    input:
        summary="results/summary.csv",
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
        " -p summary_path {input.summary} -p paper_dir paper"
        " -y {params.config}"
        " && jupyter nbconvert --to html --no-input --template selfcontained"
        " --TemplateExporter.extra_template_basedirs=workflow/templates"
        " {output.notebook} --output report"
        " --output-dir results) > {log} 2>&1"
