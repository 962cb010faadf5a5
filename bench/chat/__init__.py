"""The chat benchmark (issue 5): servers, load generator and data for ``bench/bench_chat.py``."""
