"""The load benchmark (`make bench`): bench/run.py, bench/locustfile.py, bench/floor/."""
