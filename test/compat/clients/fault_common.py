"""What the Python drivers of the cluster fault tests share: JSON lines out from any thread
(delivery reports and rebalance callbacks run on librdkafka's), and the stop signal on stdin."""
import json
import sys
import threading

_lock = threading.Lock()


def out(fields):
    with _lock:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()


def running_until_stdin(read):
    """An event that is set until `read` (sys.stdin.readline or sys.stdin.read) returns."""
    running = threading.Event()
    running.set()

    def watch_stdin():
        read()
        running.clear()

    threading.Thread(target=watch_stdin, daemon=True).start()
    return running
