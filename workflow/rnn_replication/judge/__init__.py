"""The judge rule: the statistics and the verdicts on the article's numbers and claims."""
