// Compat operations driver for the Apache Kafka Java client (org.apache.kafka:kafka-clients):
// Admin, KafkaProducer and a group-less KafkaConsumer. Compiled next to CompatConsumer by
// test/compat/clients/ops.ts:
//   java -cp '<classes>:<libs>/*' CompatOps BOOTSTRAP STEP...
// Steps (see test/compat/clients/ops.ts for the protocol every ops driver follows):
//   create:TOPIC:PARTITIONS    Admin.createTopics
//   produce:TOPIC:IDEMPOTENT   records from stdin (read as they come), one KafkaProducer per
//                              codec, send() with a callback per record (delivery reports)
//   offsets:TOPIC:TS,TS,...    KafkaConsumer (no group) beginningOffsets, endOffsets, offsetsForTimes
//   configs:TOPIC:NAME:VALUE   Admin.describeConfigs, incrementalAlterConfigs, describeConfigs
//   delete:TOPIC               Admin.deleteTopics, then listTopics
// Prints one JSON line per result; exits 1 after any error.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class CompatOps {
    static final int TIMEOUT_MS = 30_000;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        out("{\"client\":" + CompatConsumer.str("kafka-clients " + AppInfoParser.getVersion()
            + " (java " + System.getProperty("java.version") + ")") + "}");
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "millrace-compat-java-ops");
        boolean ok = true;
        try (Admin admin = Admin.create(ap)) {
            for (int s = 1; s < args.length; s++) {
                String[] step = args[s].split(":");
                String op = step[0];
                String topic = step[1];
                switch (op) {
                    case "create":
                        admin.createTopics(List.of(new NewTopic(topic, Integer.parseInt(step[2]), (short) 1)))
                            .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                        out("{\"op\":\"create\",\"ok\":true}");
                        break;
                    case "produce":
                        ok &= produce(bootstrap, topic, step[2].equals("1"));
                        break;
                    case "offsets":
                        offsets(bootstrap, topic, step[2].split(","));
                        break;
                    case "configs": {
                        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                        String before = describe(admin, res, step[2]);
                        AlterConfigOp set = new AlterConfigOp(new ConfigEntry(step[2], step[3]), AlterConfigOp.OpType.SET);
                        admin.incrementalAlterConfigs(Map.of(res, List.of(set))).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                        out("{\"op\":\"configs\",\"name\":" + CompatConsumer.str(step[2]) + ",\"before\":" + before
                            + ",\"after\":" + describe(admin, res, step[2]) + ",\"how\":\"incrementalAlterConfigs\"}");
                        break;
                    }
                    case "delete": {
                        admin.deleteTopics(List.of(topic)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                        boolean listed = admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).contains(topic);
                        out("{\"op\":\"delete\",\"ok\":true,\"listed\":" + listed + "}");
                        break;
                    }
                    default:
                        throw new IllegalArgumentException("unknown step " + args[s]);
                }
            }
        }
        System.out.flush();
        System.exit(ok ? 0 : 1);
    }

    static synchronized void out(String line) {
        System.out.println(line);
    }

    static byte[] unb64(String s) {
        return s.equals("-") ? null : Base64.getDecoder().decode(s);
    }

    static boolean produce(String bootstrap, String topic, boolean idempotent) throws Exception {
        AtomicLong delivered = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        KafkaProducer<byte[], byte[]> producer = null;
        String current = null;
        int i = 0;
        try {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isEmpty()) continue;
                String[] f = line.split("\t", -1);
                if (!f[0].equals(current)) {
                    if (producer != null) producer.close();
                    current = f[0];
                    Properties p = new Properties();
                    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                    p.put(ProducerConfig.CLIENT_ID_CONFIG, "millrace-compat-java-ops");
                    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, String.valueOf(idempotent));
                    p.put(ProducerConfig.ACKS_CONFIG, "all");
                    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, current);
                    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
                    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
                    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
                    producer = new KafkaProducer<>(p);
                }
                RecordHeaders headers = new RecordHeaders();
                if (!f[4].isEmpty()) {
                    for (String h : f[4].split(",")) {
                        String[] kv = h.split(":", -1);
                        headers.add(new String(Base64.getDecoder().decode(kv[0]), StandardCharsets.UTF_8), unb64(kv[1]));
                    }
                }
                Long ts = f[3].equals("-") ? null : Long.parseLong(f[3]);
                final int index = i++;
                producer.send(new ProducerRecord<>(topic, null, ts, unb64(f[1]), unb64(f[2]), headers), (md, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                        out("{\"op\":\"produce\",\"i\":" + index + ",\"error\":" + CompatConsumer.str(String.valueOf(e)) + "}");
                    } else {
                        delivered.incrementAndGet();
                        out("{\"op\":\"produce\",\"i\":" + index + ",\"partition\":" + md.partition() + ",\"offset\":" + md.offset()
                            + ",\"timestamp\":" + md.timestamp() + "}");
                    }
                });
            }
        } finally {
            if (producer != null) producer.close();
        }
        out("{\"op\":\"produce\",\"done\":true,\"delivered\":" + delivered.get() + ",\"errors\":" + errors.get() + "}");
        return errors.get() == 0;
    }

    static void offsets(String bootstrap, String topic, String[] timestamps) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "millrace-compat-java-ops");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(TIMEOUT_MS))) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            Map<TopicPartition, Long> earliest = consumer.beginningOffsets(tps, Duration.ofMillis(TIMEOUT_MS));
            Map<TopicPartition, Long> latest = consumer.endOffsets(tps, Duration.ofMillis(TIMEOUT_MS));
            for (TopicPartition tp : tps) {
                out("{\"op\":\"offsets\",\"partition\":" + tp.partition() + ",\"earliest\":" + earliest.get(tp)
                    + ",\"latest\":" + latest.get(tp) + "}");
            }
            for (String t : timestamps) {
                long ts = Long.parseLong(t);
                Map<TopicPartition, Long> query = new HashMap<>();
                for (TopicPartition tp : tps) query.put(tp, ts);
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, Duration.ofMillis(TIMEOUT_MS));
                for (TopicPartition tp : tps) {
                    OffsetAndTimestamp o = found.get(tp);
                    out("{\"op\":\"offsets\",\"partition\":" + tp.partition() + ",\"timestamp\":" + ts
                        + ",\"offset\":" + (o == null ? "null" : String.valueOf(o.offset())) + "}");
                }
            }
        }
    }

    static String describe(Admin admin, ConfigResource res, String name) throws Exception {
        Config config = admin.describeConfigs(List.of(res)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(res);
        ConfigEntry e = config.get(name);
        if (e == null) throw new IllegalStateException("describeConfigs: no " + name);
        return "{\"value\":" + (e.value() == null ? "null" : CompatConsumer.str(e.value()))
            + ",\"default\":" + (e.source() == ConfigEntry.ConfigSource.DEFAULT_CONFIG) + "}";
    }
}
