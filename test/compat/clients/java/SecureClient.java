// Compat driver for the Apache Kafka Java client over a secured listener (SASL_SSL, SSL):
//   java -cp '<classes>:<libs>/*' SecureClient BOOTSTRAP TOPIC COUNT CLIENT_PROPERTIES [PAUSE_MS]
// CLIENT_PROPERTIES holds security.protocol, sasl.* and ssl.* as an application writes them.
// PAUSE_MS (default 0) is slept between sends and between polls, so that a run can outlast a
// broker's connections.max.reauth.ms and the client re-authenticates on its open connections.
// Produces COUNT records "v0".."v<COUNT-1>" (acks=all, idempotent), then reads the topic from
// the beginning without a group. Prints {"client":...}, {"produced":N} and {"consumed":[...]}.
import java.io.FileInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class SecureClient {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int count = Integer.parseInt(args[2]);
        long pauseMs = args.length > 4 ? Long.parseLong(args[4]) : 0;
        Properties security = new Properties();
        try (FileInputStream in = new FileInputStream(args[3])) {
            security.load(in);
        }
        System.out.println("{\"client\":\"kafka-clients " + AppInfoParser.getVersion() + "\"}");
        Properties pp = new Properties();
        pp.putAll(security);
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "v" + i)).get();
                if (pauseMs > 0) Thread.sleep(pauseMs);
            }
        }
        System.out.println("{\"produced\":" + count + "}");
        Properties cp = new Properties();
        cp.putAll(security);
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (pauseMs > 0) cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) parts.add(new TopicPartition(topic, p.partition()));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.currentTimeMillis() + 30_000 + count * pauseMs;
            while (values.size() < count && System.currentTimeMillis() < deadline) {
                // With a pause, one record per poll: the reads span the session lifetime too.
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
                if (pauseMs > 0) Thread.sleep(pauseMs);
            }
        }
        StringBuilder sb = new StringBuilder("{\"consumed\":[");
        for (int i = 0; i < values.size(); i++) sb.append(i == 0 ? "" : ",").append('"').append(values.get(i)).append('"');
        System.out.println(sb.append("]}"));
    }
}
