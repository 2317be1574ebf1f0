"""The article as the workflow reads it: its numbers and hyperparameters (paper/article.yaml), its per-epoch
logs (paper/article_history.csv), the features of those logs (paper/features.yaml) and its claims
(paper/claims.yaml)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml


def read_article(path: str | os.PathLike) -> dict:
    """The article's results and hyperparameters (article.yaml)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def read_claims(path: str | os.PathLike) -> dict[str, dict]:
    """The article's claims (claims.yaml) by id."""
    claims = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["claims"]
    return {claim["id"]: claim for claim in claims}


def read_features(path: str | os.PathLike) -> list[dict]:
    """The features of the article's logs (features.yaml), in the file's order."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))["features"]


def load_article(paper_dir: str | os.PathLike) -> tuple[dict, pd.DataFrame]:
    """The article's results (article.yaml) and its per-epoch logs (article_history.csv)."""
    paper_dir = Path(paper_dir)
    return read_article(paper_dir / "article.yaml"), pd.read_csv(paper_dir / "article_history.csv")


def load_claims(paper_dir: str | os.PathLike) -> dict[str, dict]:
    """The article's claims (paper/claims.yaml) by id."""
    return read_claims(Path(paper_dir) / "claims.yaml")
