"""How the report notebook shows what the other modules of report/ return, as HTML: a table with the
report's styles, the workflow run's configuration as YAML."""

from __future__ import annotations

import html as html_escaping

import pandas as pd
import yaml


def html(frame: pd.DataFrame, index: bool = False, escape: bool = True) -> str:
    """A table as HTML (the report's styles apply); missing values as an en dash."""
    styler = frame.style.format(na_rep="–", escape="html" if escape else None)
    return (styler if index else styler.hide(axis="index")).to_html()


def config_html(config: dict) -> str:
    """The workflow run's configuration, as YAML in a <pre> block."""
    return (
        f"<pre>{html_escaping.escape(yaml.safe_dump(config, sort_keys=False, default_flow_style=None))}</pre>"
    )
