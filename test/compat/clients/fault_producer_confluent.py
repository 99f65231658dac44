"""The confluent-kafka-python producer (librdkafka) of the cluster fault tests
(test/faults/fault-workload.ts):
  python3 fault_producer_confluent.py BOOTSTRAP TOPIC INTERVAL_MS
An idempotent producer (enable.idempotence, acks=all) sends "confluent-<n>" (key = value) every
INTERVAL_MS and prints each delivery report: {"ack":V,"p":P,"o":O} or {"fail":V,"err":"..."}.
A line on stdin (or its end) stops it: it flushes and prints {"produced":true}.
With MILLRACE_FAULTS_RDKAFKA_DEBUG set (librdkafka debug contexts, e.g. "eos,msg,protocol"),
librdkafka's debug log goes to stderr.
"""
import os
import sys
import time

from confluent_kafka import Producer
from fault_common import out, running_until_stdin

bootstrap, topic, interval_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
running = running_until_stdin(sys.stdin.readline)

config = {
    "bootstrap.servers": bootstrap,
    "client.id": "millrace-faults-confluent",
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
    "message.timeout.ms": 60000,
    "request.timeout.ms": 10000,
}
debug = os.environ.get("MILLRACE_FAULTS_RDKAFKA_DEBUG", "")
if debug:
    config["debug"] = debug
producer = Producer(config)


def report(value):
    def cb(err, msg):
        if err is None:
            out({"ack": value, "p": msg.partition(), "o": msg.offset()})
        else:
            out({"fail": value, "err": str(err)})
    return cb


n = 0
while running.is_set():
    value = "confluent-%d" % n
    n += 1
    try:
        producer.produce(topic, key=value, value=value, on_delivery=report(value))
    except Exception as e:  # BufferError, or a fatal idempotence error
        out({"fail": value, "err": str(e)})
    producer.poll(0)
    time.sleep(interval_ms / 1000.0)
producer.flush(90)
out({"produced": True})
