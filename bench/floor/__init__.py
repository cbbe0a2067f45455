"""The framework's floor for the load benchmark: a bare DRF endpoint writing one row.

Always installed (tiny, so `makemigrations --check` stays clean); its URL is mounted
only when settings.ISECG_BENCH_FLOOR is true (env ISECG_BENCH_FLOOR=1).
"""
