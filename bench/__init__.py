"""Benchmarks for Mijn Route: a synthetic national data set and the figures of the performance issue.

    python -m bench --size full --db sqlite,postgresql     (what `make bench` runs)
    python -m bench --size small                            (a minute or two)

Pieces: sizes (the parameters), generate (bulk load), pages (server time, bare Flask, queries,
page weight), fanout (dispatcher vs naive pywebpush loop), loadtest (locust against gunicorn),
report (the one table).
"""
