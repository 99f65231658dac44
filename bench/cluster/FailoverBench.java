// Failover time as a Java application sees it, for bench/cluster/run.js:
//   java -cp ... FailoverBench BOOTSTRAP TOPIC TIMEOUT_SECONDS
// One producer (acks=all, idempotent: the client's defaults otherwise) sends one 1 KiB record at
// a time to partition 0 of TOPIC and waits for each acknowledgement. Once 2 s of sends have
// succeeded it prints {"ready":true,"leader":N} (partition 0's leader, from the Admin client).
// The rig then kills that broker and writes "kill <epoch ms>" on stdin, the wall-clock time of
// the kill (same machine, same clock). The driver goes on sending and prints one JSON line:
//   failover_ms             kill -> acknowledgement of the first record whose send() began after
//                           the kill (only a live leader can acknowledge it: the headline figure)
//   first_ack_after_kill_ms kill -> the first acknowledgement received after the kill (usually the
//                           record in flight at the kill, retried by the client to the new leader)
//   failed_sends            send() calls that failed in between (the client retries on its own
//                           until delivery.timeout.ms, so this is normally 0)
// or {"failover_ms":null,...} when nothing succeeded within TIMEOUT_SECONDS of the kill.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class FailoverBench {
    private static volatile long killAt = -1;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], topic = args[1];
        long timeoutMs = Long.parseLong(args[2]) * 1000;
        Thread stdin = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("kill ")) killAt = Long.parseLong(line.substring(5).trim());
                }
            } catch (Exception e) {
                // stdin closed: the rig is gone, the timeout ends the driver
            }
        });
        stdin.setDaemon(true);
        stdin.start();

        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "0");
        byte[] value = new byte[1024];
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, 0, null, value);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long warmEnd = System.currentTimeMillis() + 2000;
            while (System.currentTimeMillis() < warmEnd) producer.send(record).get();
            System.out.println("{\"ready\":true,\"leader\":" + leaderOf(bootstrap, topic) + "}");
            System.out.flush();

            long firstAckAfterKill = -1, sends = 0, failed = 0;
            long giveUpAt = Long.MAX_VALUE;
            for (;;) {
                long kill = killAt;
                long now = System.currentTimeMillis();
                if (kill >= 0 && giveUpAt == Long.MAX_VALUE) giveUpAt = kill + timeoutMs;
                if (now > giveUpAt) {
                    System.out.println("{\"failover_ms\":null,\"first_ack_after_kill_ms\":" + (firstAckAfterKill < 0 ? "null" : firstAckAfterKill - kill)
                        + ",\"failed_sends\":" + failed + ",\"sends_after_kill\":" + sends + "}");
                    return;
                }
                long sentAt = System.currentTimeMillis();
                try {
                    producer.send(record).get();
                } catch (ExecutionException e) {
                    failed++;
                    continue;
                }
                long ackAt = System.currentTimeMillis();
                kill = killAt;
                if (kill < 0) continue;
                sends++;
                if (firstAckAfterKill < 0 && ackAt >= kill) firstAckAfterKill = ackAt;
                if (sentAt >= kill) {
                    System.out.println("{\"failover_ms\":" + (ackAt - kill) + ",\"first_ack_after_kill_ms\":" + (firstAckAfterKill - kill)
                        + ",\"failed_sends\":" + failed + ",\"sends_after_kill\":" + sends + "}");
                    return;
                }
            }
        }
    }

    private static int leaderOf(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(p)) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return d.partitions().get(0).leader().id();
        }
    }
}
