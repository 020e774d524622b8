"""gunicorn settings used by `make run`.

Override with HOST, PORT, WEB_CONCURRENCY, GUNICORN_THREADS and GUNICORN_CONTROL_SOCKET.
"""

import os


def _usable_cpus() -> int:
    # The CPUs this process may run on (a container's cpuset), not every CPU of the host.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Two worker processes per core. Key decryption is CPU-bound and holds the GIL for its whole
# ~40 ms (RSA 2048), so while one request decrypts, the other threads of its worker wait; with
# one worker per core a core then idles whenever both requests in flight land on the same
# worker. Two per core keep every core busy: more procedures per second and a lower p95 for
# quick steps (bench/results.md, "worker variants"), for ~60 MB RSS per extra worker.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _usable_cpus()))
# Threads let a worker serve quick page requests while another request waits on a
# partner's server (fetching a certificate chain takes up to the fetch timeouts) or on storage.
worker_class = "gthread"
# Slow clients (issue 10, hole 9): gthread gives a connection a thread as soon as its first
# byte arrives, and that thread then reads the request headers with no deadline, so a client
# trickling header bytes holds a thread for as long as it likes. 32 threads per worker, and
# each worker accepting no more connections than it has threads (worker_connections), so a
# worker whose threads are all held leaves new connections to one that has a thread free:
# even with 2 workers (1 CPU) 50 trickling connections leave /healthz answering in < 0.2 s
# (tests/deploy/test_slow_clients.py). With 4 threads, 16 threads without the cap, or 32
# without the cap, /healthz went unanswered: one worker accepts most connections of a burst.
# Beyond workers x threads slow connections, new ones wait: in production a buffering
# reverse proxy (README, "Behind the TLS-terminating proxy") is the real defence.
threads = int(os.environ.get("GUNICORN_THREADS", 32))
worker_connections = threads
# A fetch may take two 5-second timeouts; 30 s leaves room and still stops a stuck worker.
timeout = 30
graceful_timeout = 20
# Seconds an idle keep-alive connection stays open. Behind a reverse proxy, keep it above the
# proxy's idle timeout for upstream connections, so the proxy closes first (otherwise it may
# reuse a connection gunicorn has just closed and answer 502).
keepalive = 5
# No preload: each worker opens its own storage connections after the fork.
preload_app = False
# The heartbeat file lives in memory: a container's /tmp may be on a slow overlay disk, and a
# worker that cannot touch it in time is killed as stuck.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# gunicorn >= 25 opens a control socket at a fixed path in $HOME by default: a second instance
# on the same host silently takes it over (and the first removes it on exit). Nothing here uses
# it; turn it on per instance with GUNICORN_CONTROL_SOCKET=<path>.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
accesslog = None  # the app logs requests itself (FLASK_LOG_JSON), without secrets
errorlog = "-"

# --- Prometheus metrics across workers (issue 15) ----------------------------------------
# Each worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds them
# up, so a scrape sees every worker, not just the one that answered. Set here, in the master,
# before any worker imports the app (prometheus-client reads it at import). An operator's own
# directory is used as given; otherwise a private one is made and removed at exit.
import shutil  # noqa: E402
import tempfile  # noqa: E402

_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mtls-kit-metrics-")


def on_starting(server):
    # Files left by an earlier run would be added to this run's counters.
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.unlink(os.path.join(folder, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
