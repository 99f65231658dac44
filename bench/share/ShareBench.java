// Share consumers' throughput as a Java application sees it, for bench/share/run.js
// (KafkaShareConsumer of kafka-clients 4.4.0, the jars of tools/kafka/fetch.sh).
//
//   java -cp ... ShareBench prime BOOTSTRAP TOPIC GROUP TIMEOUT_S
//     Starts share group GROUP's share-partition TOPIC-0 where it is now: one share consumer
//     subscribes while a producer writes one marker record at a time to partition 0, until a
//     marker is delivered (the share-partition then exists and starts at or before it); the
//     delivered batch is accepted. Prints {"primed":true,"marker_offset":N,"end_offset":M}, M
//     the offset after the last marker written. The rig primes each group on the empty topic
//     before writing the records: with share.auto.offset.reset latest (Kafka's default, and
//     what a broker without group configs has) a share-partition starts at the log end when
//     first fetched, and either way its initialisation is then outside the clock.
//
//   java -cp ... ShareBench measure BOOTSTRAP TOPIC GROUP CONSUMERS RECORDS MIN_OFFSET ACK_MODE TIMEOUT_S
//     CONSUMERS share consumers in group GROUP (one thread and one KafkaShareConsumer each, the
//     client's defaults otherwise: max.poll.records 500, share.acknowledgement.mode as ACK_MODE),
//     all subscribed to TOPIC before the clock starts. The clock starts when they are released
//     into their first poll() together and stops when every consumer's final commitSync() has
//     returned after the RECORDS distinct offsets from MIN_OFFSET on were delivered: each poll's
//     records are acknowledged as ACCEPT, implicitly (ACK_MODE implicit, Kafka's default: by the
//     next poll, and by the final commitSync) or explicitly (ACK_MODE explicit: acknowledge(record,
//     ACCEPT) for each record, sent with the next poll or the final commitSync). Records below
//     MIN_OFFSET (markers of priming) are accepted and not counted. Prints one JSON line:
//       seconds, records_per_s            first poll -> all RECORDS acknowledged
//       first_record_ms                   first poll -> the first record delivered (group join,
//                                         assignment, share-partition initialisation)
//       records_per_s_after_first_record  RECORDS over the time from the first record on
//       deliveries, redeliveries          the RECORDS' deliveries in all, and beyond the first one
//       per_consumer                      records each consumer was delivered
//       complete                          false when TIMEOUT_S passed first
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class ShareBench {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "prime" -> prime(args[1], args[2], args[3], Long.parseLong(args[4]) * 1000);
            case "measure" -> measure(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                Long.parseLong(args[6]), args[7], Long.parseLong(args[8]) * 1000);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static Properties consumerProps(String bootstrap, String group, String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("client.id", clientId);
        return p;
    }

    static void prime(String bootstrap, String topic, String group, long timeoutMs) throws Exception {
        Properties pp = new Properties();
        pp.put("bootstrap.servers", bootstrap);
        pp.put("linger.ms", "0");
        long giveUp = System.currentTimeMillis() + timeoutMs;
        try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(consumerProps(bootstrap, group, "share-bench-prime"),
                 new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(topic));
            long lastSent = -1;
            while (System.currentTimeMillis() < giveUp) {
                lastSent = producer.send(new ProducerRecord<>(topic, 0, null, "marker".getBytes())).get().offset();
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) continue;
                long max = -1;
                for (ConsumerRecord<byte[], byte[]> r : records) max = Math.max(max, r.offset());
                consumer.commitSync();
                System.out.println("{\"primed\":true,\"marker_offset\":" + max + ",\"end_offset\":" + (lastSent + 1) + "}");
                return;
            }
        }
        System.out.println("{\"primed\":false}");
    }

    static void measure(String bootstrap, String topic, String group, int consumers, int records, long minOffset, String ackMode, long timeoutMs)
            throws Exception {
        boolean explicit = ackMode.equals("explicit");
        BitSet seen = new BitSet(records);
        int[] distinct = {0};
        AtomicLong deliveries = new AtomicLong();
        AtomicLong firstRecordAt = new AtomicLong(-1);
        AtomicLong lastCommitAt = new AtomicLong(-1);
        long[] perConsumer = new long[consumers];
        Throwable[] failure = {null};
        CountDownLatch subscribed = new CountDownLatch(consumers);
        CountDownLatch go = new CountDownLatch(1);
        long[] deadline = {Long.MAX_VALUE};
        boolean[] done = {false};
        Thread[] threads = new Thread[consumers];
        for (int i = 0; i < consumers; i++) {
            final int me = i;
            threads[i] = new Thread(() -> {
                Properties p = consumerProps(bootstrap, group, "share-bench-" + me);
                if (explicit) p.put("share.acknowledgement.mode", "explicit");
                try (KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(topic));
                    subscribed.countDown();
                    go.await();
                    while (!finished(seen, done, deadline)) {
                        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                        if (batch.isEmpty()) continue;
                        firstRecordAt.compareAndSet(-1, System.nanoTime());
                        perConsumer[me] += batch.count();
                        synchronized (seen) {
                            for (ConsumerRecord<byte[], byte[]> r : batch) {
                                long idx = r.offset() - minOffset;
                                if (idx < 0 || idx >= records) continue;
                                deliveries.incrementAndGet();
                                if (seen.get((int) idx)) continue;
                                seen.set((int) idx);
                                if (++distinct[0] == records) done[0] = true;
                            }
                        }
                        if (explicit) for (ConsumerRecord<byte[], byte[]> r : batch) consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    consumer.commitSync();
                    lastCommitAt.accumulateAndGet(System.nanoTime(), Math::max);
                } catch (Throwable t) {
                    synchronized (seen) {
                        if (failure[0] == null) failure[0] = t;
                        done[0] = true;
                    }
                }
            }, "share-bench-" + i);
            threads[i].start();
        }
        subscribed.await();
        long t0 = System.nanoTime();
        synchronized (seen) {
            deadline[0] = t0 + timeoutMs * 1_000_000L;
        }
        go.countDown();
        for (Thread t : threads) t.join();
        if (failure[0] != null) {
            failure[0].printStackTrace();
            System.out.println("{\"error\":\"" + String.valueOf(failure[0]).replace('"', '\'') + "\"}");
            System.exit(1);
        }
        long end = lastCommitAt.get();
        boolean complete = distinct[0] == records;
        double secs = (end - t0) / 1e9;
        long first = firstRecordAt.get();
        StringBuilder per = new StringBuilder("[");
        for (int i = 0; i < consumers; i++) per.append(i == 0 ? "" : ",").append(perConsumer[i]);
        per.append(']');
        System.out.println("{\"complete\":" + complete + ",\"consumers\":" + consumers + ",\"records\":" + distinct[0]
            + ",\"ack_mode\":\"" + (explicit ? "explicit" : "implicit") + "\""
            + ",\"seconds\":" + round(secs, 3) + ",\"records_per_s\":" + round(distinct[0] / secs, 1)
            + ",\"first_record_ms\":" + (first < 0 ? "null" : String.valueOf(round((first - t0) / 1e6, 1)))
            + ",\"records_per_s_after_first_record\":" + (first < 0 ? "null" : String.valueOf(round(distinct[0] / ((end - first) / 1e9), 1)))
            + ",\"deliveries\":" + deliveries.get() + ",\"redeliveries\":" + (deliveries.get() - distinct[0])
            + ",\"per_consumer\":" + per + "}");
    }

    /** True once every record was seen, a consumer failed, or the time is up. */
    static boolean finished(BitSet lock, boolean[] done, long[] deadline) {
        synchronized (lock) {
            return done[0] || System.nanoTime() > deadline[0];
        }
    }

    static double round(double x, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
