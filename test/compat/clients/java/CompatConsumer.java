// Compat consumer driver for the Apache Kafka Java client (org.apache.kafka:kafka-clients).
// Compiled and run by test/compat/setup (classpath: test/.cache/compat/java/libs/*):
//   java -cp '<classes>:<libs>/*' CompatConsumer BOOTSTRAP TOPIC COUNT TIMEOUT_MS
// Assigns every partition of TOPIC (no consumer group), reads from the beginning until COUNT
// records, and prints one JSON line per record (see test/compat/README.md). Exit 2 on timeout.

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class CompatConsumer {
    public static void main(String[] args) {
        String bootstrap = args[0];
        String topic = args[1];
        int count = Integer.parseInt(args[2]);
        long deadline = System.currentTimeMillis() + Long.parseLong(args[3]);
        System.out.println("{\"client\":" + str("kafka-clients " + AppInfoParser.getVersion()
            + " (java " + System.getProperty("java.version") + ")") + "}");

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "millrace-compat-java");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // read_committed for the transaction tests; the client's default (read_uncommitted) otherwise.
        String isolation = System.getenv("COMPAT_ISOLATION_LEVEL");
        if (isolation != null) p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        // client.rack for the follower-fetching test (KIP-392); unset otherwise.
        String rack = System.getenv("COMPAT_CLIENT_RACK");
        if (rack != null) p.put(ConsumerConfig.CLIENT_RACK_CONFIG, rack);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            int seen = 0;
            while (seen < count) {
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("timed out after " + seen + " of " + count + " records");
                    System.exit(2);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    System.out.println(json(r));
                    seen++;
                }
            }
        }
        System.out.flush();
    }

    static String json(ConsumerRecord<byte[], byte[]> r) {
        StringBuilder headers = new StringBuilder("[");
        for (Header h : r.headers()) {
            if (headers.length() > 1) headers.append(',');
            headers.append('[').append(str(h.key())).append(',').append(b64(h.value())).append(']');
        }
        headers.append(']');
        return "{\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
            + ",\"key_b64\":" + b64(r.key()) + ",\"value_b64\":" + b64(r.value())
            + ",\"headers\":" + headers + ",\"timestamp\":" + r.timestamp() + "}";
    }

    static String b64(byte[] b) {
        return b == null ? "null" : "\"" + Base64.getEncoder().encodeToString(b) + "\"";
    }

    /** A JSON string: header keys are text; escape everything outside printable ASCII. */
    static String str(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }
}
