"""Reports: backup success per job (runs.py, svg.py) and the PSA scorecard
(scorecard.py pure figures, fetch.py Autotask rows and cache, psa.py the two together)."""
