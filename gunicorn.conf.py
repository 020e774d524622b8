"""gunicorn settings used by `make run` (override with HOST, PORT, WEB_CONCURRENCY)."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Key decryption is CPU-bound: one worker per core, plus one to cover I/O waits.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
# Threads let a worker serve quick page requests while another request waits on a
# partner's server (fetching a certificate chain takes up to the fetch timeouts).
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# A fetch may take two 5-second timeouts; 30 s leaves room and still stops a stuck worker.
timeout = 30
graceful_timeout = 20
keepalive = 5
# No preload: each worker opens its own storage connections after the fork.
preload_app = False
accesslog = None  # the app logs requests itself (FLASK_LOG_JSON), without secrets
errorlog = "-"
