// The Java client (kafka-clients 4.4.0) of the cluster fault tests (test/faults/fault-workload.ts):
//   java -cp ... FaultClient BOOTSTRAP TOPIC GROUP INTERVAL_MS
// A producer with acks=all and enable.idempotence=true sends "java-<n>" (key = value) every
// INTERVAL_MS and prints each outcome: {"ack":V,"p":P,"o":O} or {"fail":V,"err":"..."}.
// Beside it a consumer in GROUP (classic protocol, from the earliest offset, commitSync after
// each poll) prints {"assigned":n} when a rebalance gives it partitions (n numbers the
// assignment) and {"c":V,"p":P,"o":O,"a":n} per record.
// stdin: "produced" stops the producer (it flushes, then prints {"produced":true}); end of
// input closes the consumer and exits.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class FaultClient {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\"";
    }

    /** Properties from alternating names and values. */
    static Properties properties(String... pairs) {
        Properties props = new Properties();
        for (int i = 0; i < pairs.length; i += 2) props.put(pairs[i], pairs[i + 1]);
        return props;
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], topic = args[1], group = args[2];
        long intervalMs = Long.parseLong(args[3]);
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicBoolean consuming = new AtomicBoolean(true);

        Thread producer = new Thread(() -> {
            Properties p = properties(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                    ProducerConfig.LINGER_MS_CONFIG, "5",
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000",
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000",
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            try (KafkaProducer<String, String> kp = new KafkaProducer<>(p)) {
                for (long n = 0; producing.get(); n++) {
                    String v = "java-" + n;
                    try {
                        kp.send(new ProducerRecord<>(topic, v, v), (md, e) -> {
                            if (e == null) out("{\"ack\":" + quote(v) + ",\"p\":" + md.partition() + ",\"o\":" + md.offset() + "}");
                            else out("{\"fail\":" + quote(v) + ",\"err\":" + quote(e.toString()) + "}");
                        });
                    } catch (Exception e) {
                        out("{\"fail\":" + quote(v) + ",\"err\":" + quote(e.toString()) + "}");
                    }
                    Thread.sleep(intervalMs);
                }
                kp.flush();
            } catch (Exception e) {
                out("{\"error\":" + quote(e.toString()) + "}");
            }
            out("{\"produced\":true}");
        });

        Properties c = properties(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000",
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c);
        AtomicInteger assignment = new AtomicInteger(0);
        Thread consumerThread = new Thread(() -> {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {}
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    out("{\"assigned\":" + assignment.incrementAndGet() + "}");
                }
            });
            try {
                while (consuming.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    int a = assignment.get(); // after poll, which runs the rebalance listener
                    for (ConsumerRecord<String, String> r : records) {
                        out("{\"c\":" + quote(r.value()) + ",\"p\":" + r.partition() + ",\"o\":" + r.offset() + ",\"a\":" + a + "}");
                    }
                    try {
                        consumer.commitSync(Duration.ofSeconds(10));
                    } catch (WakeupException e) {
                        throw e;
                    } catch (Exception e) {
                        out("{\"commitFailed\":" + quote(e.toString()) + "}");
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (Exception e) {
                out("{\"error\":" + quote(e.toString()) + "}");
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        });
        producer.start();
        consumerThread.start();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("produced")) producing.set(false);
        }
        producing.set(false);
        producer.join();
        consuming.set(false);
        consumer.wakeup();
        consumerThread.join();
        System.exit(0);
    }
}
