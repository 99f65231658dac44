// Transactions driver for the Apache Kafka Java client (kafka-clients 4.4.0), compiled by
// test/compat/clients/txn-drivers.ts against the jars of setup/java.ts. One JSON object per line.
//
//   java -cp ... TxnDriver smoke   BOOTSTRAP TOPIC TXN_ID
//     three transactions of 10 records each to partition 0 (flushed before the end): committed, aborted, committed;
//     then reads the partition with read_committed and read_uncommitted and prints both, and
//     what Admin.describeTransactions and listTransactions say of TXN_ID.
//   java -cp ... TxnDriver process BOOTSTRAP IN OUT GROUP TXN_ID PER ABORT_EVERY IDLE_MS
//     consume-transform-produce, exactly once: a consumer of IN in GROUP (static member
//     TXN_ID, read_committed, no auto commit) and a transactional producer (TXN_ID); each
//     transaction sends up to PER records to OUT, each to its input partition with its key and
//     value, and commits the input offsets with sendOffsetsToTransaction. Every ABORT_EVERY-th
//     transaction is aborted and the consumer rewound to the committed offsets. Prints
//     {"event":"committed","records":N} after each commit (N: records committed by this
//     process); exits after IDLE_MS without records.
//   java -cp ... TxnDriver dump    BOOTSTRAP TOPIC ISOLATION
//     every record of TOPIC up to its end offsets for ISOLATION (read_committed or
//     read_uncommitted), one {"p":..,"o":..,"k":..,"v":..} line each, then {"event":"end"}.

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class TxnDriver {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        out("{\"event\":\"client\",\"client\":" + CompatConsumer.str("kafka-clients " + AppInfoParser.getVersion()
            + " (java " + System.getProperty("java.version") + ")") + "}");
        switch (args[0]) {
            case "smoke": smoke(args[1], args[2], args[3]); break;
            case "process": process(args[1], args[2], args[3], args[4], args[5], Integer.parseInt(args[6]),
                Integer.parseInt(args[7]), Long.parseLong(args[8])); break;
            case "dump": dump(args[1], args[2], args[3]); break;
            default: throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static KafkaProducer<String, String> producer(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "30000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(String bootstrap, String isolation, String group, String instance) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance);
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        }
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    static List<String> readAll(String bootstrap, String topic, String isolation) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = consumer(bootstrap, isolation, null, null)) {
            readToEnd(c, topic, r -> values.add(r.value()));
        }
        return values;
    }

    /** Every partition of `topic` from its start up to the end offsets of the consumer's isolation level. */
    static <K, V> void readToEnd(KafkaConsumer<K, V> c, String topic, java.util.function.Consumer<ConsumerRecord<K, V>> each) {
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo info : c.partitionsFor(topic)) parts.add(new TopicPartition(topic, info.partition()));
        c.assign(parts);
        c.seekToBeginning(parts);
        Map<TopicPartition, Long> end = c.endOffsets(parts);
        while (true) {
            boolean done = true;
            for (TopicPartition tp : parts) if (c.position(tp) < end.get(tp)) done = false;
            if (done) return;
            for (ConsumerRecord<K, V> r : c.poll(Duration.ofMillis(500))) each.accept(r);
        }
    }

    static String strings(List<String> xs) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < xs.size(); i++) b.append(i > 0 ? "," : "").append(CompatConsumer.str(xs.get(i)));
        return b.append("]").toString();
    }

    static void smoke(String bootstrap, String topic, String txnId) throws Exception {
        try (KafkaProducer<String, String> p = producer(bootstrap, txnId)) {
            p.initTransactions();
            String[] names = {"c1", "a2", "c3"};
            for (String name : names) {
                p.beginTransaction();
                for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, 0, name, name + "-" + i));
                // written first: an abort drops records still in the producer's buffer
                p.flush();
                if (name.startsWith("a")) p.abortTransaction();
                else p.commitTransaction();
                out("{\"event\":\"transaction\",\"name\":\"" + name + "\"}");
            }
        }
        out("{\"event\":\"read\",\"isolation\":\"read_committed\",\"values\":" + strings(readAll(bootstrap, topic, "read_committed")) + "}");
        out("{\"event\":\"read\",\"isolation\":\"read_uncommitted\",\"values\":" + strings(readAll(bootstrap, topic, "read_uncommitted")) + "}");
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(ap)) {
            TransactionDescription d = admin.describeTransactions(Collections.singleton(txnId)).description(txnId).get();
            out("{\"event\":\"describe\",\"state\":" + CompatConsumer.str(d.state().toString()) + ",\"producerId\":" + d.producerId()
                + ",\"producerEpoch\":" + d.producerEpoch() + ",\"timeoutMs\":" + d.transactionTimeoutMs()
                + ",\"partitions\":" + d.topicPartitions().size() + "}");
            List<String> listed = new ArrayList<>();
            for (TransactionListing l : admin.listTransactions().all().get()) {
                if (l.transactionalId().equals(txnId)) listed.add(l.state().toString());
            }
            out("{\"event\":\"list\",\"states\":" + strings(listed) + "}");
        }
    }

    static void process(String bootstrap, String in, String outTopic, String group, String txnId, int per,
                        int abortEvery, long idleMs) throws Exception {
        long committed = 0;
        long transactions = 0;
        try (KafkaConsumer<String, String> c = consumer(bootstrap, "read_committed", group, txnId);
             KafkaProducer<String, String> p = producer(bootstrap, txnId)) {
            p.initTransactions();
            c.subscribe(Collections.singleton(in));
            long idleSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - idleSince < idleMs) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
                if (records.isEmpty()) continue;
                idleSince = System.currentTimeMillis();
                transactions++;
                p.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    p.send(new ProducerRecord<>(outTopic, r.partition(), r.key(), r.value()));
                    next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                p.sendOffsetsToTransaction(next, c.groupMetadata());
                if (transactions % abortEvery == 0) {
                    p.abortTransaction();
                    rewind(c);
                    out("{\"event\":\"aborted\",\"records\":" + records.count() + "}");
                } else {
                    p.commitTransaction();
                    committed += records.count();
                    out("{\"event\":\"committed\",\"records\":" + committed + "}");
                }
            }
        }
        out("{\"event\":\"idle\",\"records\":" + committed + "}");
    }

    /** Back to the committed offsets of the partitions we hold (the start for those with none). */
    static void rewind(KafkaConsumer<String, String> c) {
        Set<TopicPartition> assigned = c.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata o = committed.get(tp);
            if (o == null) c.seekToBeginning(Collections.singleton(tp));
            else c.seek(tp, o.offset());
        }
    }

    static void dump(String bootstrap, String topic, String isolation) {
        try (KafkaConsumer<String, String> c = consumer(bootstrap, isolation, null, null)) {
            readToEnd(c, topic, r -> out("{\"p\":" + r.partition() + ",\"o\":" + r.offset() + ",\"k\":" + CompatConsumer.str(r.key() == null ? "" : r.key())
                + ",\"v\":" + CompatConsumer.str(r.value()) + "}"));
        }
        out("{\"event\":\"end\"}");
    }
}
