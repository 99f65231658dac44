// Consumer group member driver for the Apache Kafka Java client (kafka-clients 4.4.0), compiled
// by test/compat/clients/group-members.ts against the jars of setup/java.ts:
//   java -cp ... GroupMember member BOOTSTRAP TOPIC GROUP [key=value ...]
//   java -cp ... GroupMember lag    BOOTSTRAP TOPIC GROUP
// Same lines and options as group_member_confluent.py (see group-members.ts): protocol=classic
// (session=MS heartbeat=MS) or protocol=consumer (group.protocol=consumer, KIP-848: session and
// heartbeat are the broker's). Records are printed, then committed with commitSync after each
// poll; a refused commit (rebalance, stale member epoch) is tried again while the partition is ours. `close` on stdin (or its end) closes the consumer, which leaves the group.
// lag: Admin.listConsumerGroupOffsets + Admin.listOffsets(OffsetSpec.latest()).

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class GroupMember {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0], bootstrap = args[1], topic = args[2], group = args[3];
        Map<String, String> opts = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        out("{\"event\":\"client\",\"client\":" + CompatConsumer.str("kafka-clients " + AppInfoParser.getVersion()
            + " (java " + System.getProperty("java.version") + ")") + "}");
        if (mode.equals("member")) member(bootstrap, topic, group, opts);
        else lag(bootstrap, topic, group);
    }

    static void member(String bootstrap, String topic, String group, Map<String, String> opts) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, opts.getOrDefault("name", "member"));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (opts.getOrDefault("protocol", "classic").equals("consumer")) {
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        } else {
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, opts.getOrDefault("session", "10000"));
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, opts.getOrDefault("heartbeat", "300"));
        }
        long deadline = System.currentTimeMillis() + Long.parseLong(opts.getOrDefault("lifetime", "300000"));
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        final boolean[] stop = {false};
        Thread stdin = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null && !line.trim().equals("close")) { }
            } catch (Exception e) { }
            synchronized (stop) { stop[0] = true; }
            consumer.wakeup();
        });
        stdin.setDaemon(true);
        stdin.start();
        consumer.subscribe(List.of(topic));
        String last = null;
        Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
        try {
            while (true) {
                synchronized (stop) { if (stop[0]) break; }
                if (System.currentTimeMillis() > deadline) {
                    System.err.println("lifetime over");
                    System.exit(2);
                }
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                TreeSet<Integer> now = new TreeSet<>();
                for (TopicPartition tp : consumer.assignment()) if (tp.topic().equals(topic)) now.add(tp.partition());
                String nowJson = now.toString().replace(" ", "");
                if (!nowJson.equals(last)) {
                    out("{\"event\":\"assigned\",\"partitions\":" + nowJson + "}");
                    last = nowJson;
                }
                // commits refused (a rebalance, a stale member epoch) are tried again while the partition is ours
                pending.keySet().retainAll(consumer.assignment());
                Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(pending);
                for (ConsumerRecord<String, String> r : records) {
                    out("{\"event\":\"record\",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
                        + ",\"value\":" + CompatConsumer.str(r.value()) + "}");
                    commit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (commit.isEmpty()) continue;
                try {
                    consumer.commitSync(commit);
                    pending.clear();
                    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : commit.entrySet()) {
                        out("{\"event\":\"committed\",\"partition\":" + e.getKey().partition() + ",\"offset\":" + e.getValue().offset() + "}");
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (Exception e) {
                    pending.putAll(commit);
                    out("{\"event\":\"commit_failed\",\"error\":" + CompatConsumer.str(e.toString()) + "}");
                }
            }
        } catch (WakeupException e) {
            // close was asked for
        }
        consumer.close();
        out("{\"event\":\"closed\"}");
        System.exit(0);
    }

    static void lag(String bootstrap, String topic, String group) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < partitions; i++) latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                TopicPartition tp = new TopicPartition(topic, i);
                OffsetAndMetadata c = committed.get(tp);
                long end = ends.get(tp).offset();
                rows.add("{\"partition\":" + i + ",\"committed\":" + (c == null ? "null" : c.offset()) + ",\"end\":" + end
                    + ",\"lag\":" + (c == null ? "null" : end - c.offset()) + "}");
            }
            out("{\"event\":\"lag\",\"how\":\"Admin.listConsumerGroupOffsets + Admin.listOffsets(OffsetSpec.latest())\",\"partitions\":["
                + String.join(",", rows) + "]}");
        }
    }
}
