"""confluent-kafka transactions against BOOTSTRAP: init, a committed transaction with
send_offsets_to_transaction, an aborted one. Prints the client's version, then "ok".

usage: confluent_kafka_txn.py BOOTSTRAP TOPIC GROUP
"""
import sys

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, group = sys.argv[1:4]
print(f'confluent-kafka {confluent_kafka.version()[0]} librdkafka {confluent_kafka.libversion()[0]}', flush=True)
producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'confluent-txn'})
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False})
producer.init_transactions(30)

producer.begin_transaction()
for i in range(5):
    producer.produce(topic, key=f'k{i}', value=f'cc{i}', partition=0)
producer.send_offsets_to_transaction([TopicPartition(topic, 0, 5)], consumer.consumer_group_metadata(), 30)
producer.commit_transaction(30)

producer.begin_transaction()
producer.produce(topic, key='k', value='ca0', partition=0)
producer.send_offsets_to_transaction([TopicPartition(topic, 0, 42)], consumer.consumer_group_metadata(), 30)
producer.flush(30)  # written, so that the abort has data to mark
producer.abort_transaction(30)

consumer.close()
print('ok', flush=True)
