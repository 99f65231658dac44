"""Compat driver for confluent-kafka (librdkafka) over a secured listener:
    python secure_client_confluent.py BOOTSTRAP TOPIC COUNT CONFIG_JSON
CONFIG_JSON holds security.protocol, sasl.* and ssl.* as librdkafka names them. Produces COUNT
records "v0".."v<COUNT-1>" (idempotent), then reads the topic from the beginning without a
group. Prints {"client":...}, {"produced":N} and {"consumed":[...]}; exits 1 on an error, and at
once on a failed login: librdkafka reports it to error_cb as _AUTHENTICATION and then retries
until message.timeout.ms, which would only make a refused client's test wait."""
import json
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, count, conf = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
print(json.dumps({"client": f"confluent-kafka {confluent_kafka.version()[0]} (librdkafka {confluent_kafka.libversion()[0]})"}), flush=True)
errors = []
refused = []


def on_error(e):
    errors.append(str(e))
    if e.code() == confluent_kafka.KafkaError._AUTHENTICATION:
        refused.append(str(e))


producer = Producer({**conf, "bootstrap.servers": bootstrap, "enable.idempotence": True, "message.timeout.ms": 15000, "error_cb": on_error})
delivered = []
for i in range(count):
    producer.produce(topic, value=f"v{i}".encode(), on_delivery=lambda err, msg: delivered.append(err))
# flush(30) in short steps (each serves error_cb), so a failed login ends the wait
deadline = time.time() + 30
left = len(producer)
while left != 0 and not refused and time.time() < deadline:
    left = producer.flush(0.1)
if refused:
    print(json.dumps({"error": f"produce: authentication failed: {refused[0]}; errors {errors}"}), flush=True)
    sys.exit(1)
failed = [str(e) for e in delivered if e is not None]
if left != 0 or failed or len(delivered) != count:
    print(json.dumps({"error": f"produce: {left} left, failures {failed}, errors {errors}"}), flush=True)
    sys.exit(1)
print(json.dumps({"produced": count}), flush=True)
consumer = Consumer({**conf, "bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
meta = consumer.list_topics(topic, timeout=30)
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.topics[topic].partitions])
values = []
deadline = time.time() + 30
while len(values) < count and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None:
        continue
    if msg.error():
        print(json.dumps({"error": str(msg.error())}), flush=True)
        sys.exit(1)
    values.append(msg.value().decode())
consumer.close()
print(json.dumps({"consumed": values}), flush=True)
