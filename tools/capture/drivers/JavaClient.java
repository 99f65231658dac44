// Capture driver for the Apache Kafka Java client (org.apache.kafka:kafka-clients, from the jars
// that tools/kafka/fetch.sh fetches). Compiled and run by tools/capture/capture.js:
//   javac -cp 'bench/.cache/kafka/libs/*' -d <out> JavaClient.java
//   java -cp '<out>:bench/.cache/kafka/libs/*' JavaClient
// Env: BOOTSTRAP, TOPIC, GROUP.
//
// Covers: admin (CreateTopics, DescribeConfigs, ListOffsets, DescribeGroups, OffsetFetch),
// idempotent producers with each codec, a transactional producer, a classic-protocol consumer
// group and a KIP-848 (group.protocol=consumer) consumer group, both committing offsets.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class JavaClient {
    static final int N = 20;
    static final String[] CODECS = {"none", "gzip", "snappy", "lz4", "zstd"};

    public static void main(String[] args) throws Exception {
        String bootstrap = System.getenv("BOOTSTRAP");
        String topic = System.getenv("TOPIC");
        String group = System.getenv("GROUP");
        System.out.println("CLIENT_VERSION: kafka-clients " + AppInfoParser.getVersion() + " (java " + System.getProperty("java.version") + ")");

        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "golden-java-admin");
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            admin.describeTopics(List.of(topic)).allTopicNames().get();
            admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all().get();

            for (String codec : CODECS) {
                try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap, codec, null))) {
                    sendAll(p, topic, 0);
                }
                System.out.println("produced " + N + " records with " + codec);
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap, "none", "golden-java-txn"))) {
                p.initTransactions();
                p.beginTransaction();
                sendAll(p, topic, 1000);
                p.commitTransaction();
            }
            System.out.println("produced " + N + " records in a transaction");

            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
                earliest.put(new TopicPartition(topic, i), OffsetSpec.earliest());
            }
            System.out.println("latest " + admin.listOffsets(latest).all().get());
            System.out.println("earliest " + admin.listOffsets(earliest).all().get());

            int expected = N * (CODECS.length + 1);
            consume(bootstrap, topic, group, "classic", expected);
            consume(bootstrap, topic, group + "-848", "consumer", expected);

            System.out.println("group offsets " + admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
            admin.describeConsumerGroups(List.of(group, group + "-848")).all().get();
        }
    }

    static Properties producerProps(String bootstrap, String codec, String transactionalId) {
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.CLIENT_ID_CONFIG, "golden-java-producer");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "100");
        pp.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
        if (transactionalId != null) pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return pp;
    }

    static void sendAll(KafkaProducer<String, String> p, String topic, int first) throws Exception {
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int i = first; i < first + N; i++) {
            ProducerRecord<String, String> r = new ProducerRecord<>(topic, "k" + i, ("v" + i).repeat(10));
            r.headers().add("h", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
            futures.add(p.send(r));
        }
        p.flush();
        for (java.util.concurrent.Future<?> f : futures) f.get();
    }

    static void consume(String bootstrap, String topic, String group, String protocol, int expected) {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "golden-java-consumer-" + protocol);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        cp.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        int seen = 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
            c.subscribe(Set.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (seen < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) seen++;
            }
            if (seen != expected) throw new IllegalStateException(protocol + ": consumed " + seen + " of " + expected);
            c.commitSync();
            System.out.println(protocol + " group: consumed " + seen + ", committed " + c.committed(c.assignment()));
        }
    }
}
