"""The confluent-kafka-python group consumer (librdkafka) of the cluster fault tests
(test/faults/fault-workload.ts):
  python3 fault_consumer_confluent.py BOOTSTRAP TOPIC GROUP
Subscribes in GROUP from the earliest offset, auto commit off: prints {"assigned":n} when a
rebalance gives it partitions (n numbers the assignment), {"c":V,"p":P,"o":O,"a":n} per record,
and commits synchronously after each batch ({"commitFailed":"..."} when refused). The end of
stdin closes the consumer (it leaves the group) and exits.
"""
import sys

from confluent_kafka import Consumer, KafkaException
from fault_common import out, running_until_stdin

bootstrap, topic, group = sys.argv[1], sys.argv[2], sys.argv[3]
running = running_until_stdin(sys.stdin.read)

state = {"assignment": 0}


def on_assign(consumer, partitions):
    state["assignment"] += 1
    out({"assigned": state["assignment"]})


consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "client.id": "millrace-faults-confluent-consumer",
    "group.id": group,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "session.timeout.ms": 10000,
    "heartbeat.interval.ms": 1000,
})
consumer.subscribe([topic], on_assign=on_assign)
try:
    while running.is_set():
        messages = consumer.consume(num_messages=500, timeout=0.2)
        a = state["assignment"]  # after consume, which runs the rebalance callbacks
        got = False
        for m in messages:
            if m.error() is not None:
                continue
            got = True
            out({"c": m.value().decode("utf-8"), "p": m.partition(), "o": m.offset(), "a": a})
        if got:
            try:
                consumer.commit(asynchronous=False)
            except KafkaException as e:
                out({"commitFailed": str(e)})
except Exception as e:  # noqa: BLE001 - reported to the test
    out({"error": str(e)})
finally:
    consumer.close()
