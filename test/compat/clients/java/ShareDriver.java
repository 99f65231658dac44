import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A KafkaShareConsumer (KIP-932) for the compat tests: consumes <topic> in share group <group>
 * with explicit acknowledgement, printing "R <offset> <deliveryCount> <value>" for each record
 * and acknowledging it (REJECT when its value's number is a multiple of <rejectEvery>, RELEASE
 * the first time for a multiple of <releaseEvery> — every time when <releaseEvery> is negative,
 * a multiple of its absolute value, so the record runs out of deliveries — ACCEPT otherwise), committing after every
 * poll. Ends after <idleMs> without records once it has had one (after 120 s if none comes: a
 * member gets its partitions only after the group's assignment interval), or, with <holdAfter> > 0, once a poll would take
 * it to that many records, prints that poll's records as "H <offset> <deliveryCount> <value>"
 * without acknowledging them and waits to be killed.
 *
 * Usage: ShareDriver <bootstrap> <group> <topic> <idleMs> <rejectEvery> <releaseEvery> <holdAfter>
 */
public class ShareDriver {
  private static final long FIRST_RECORD_WAIT_MS = 120_000;

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], group = args[1], topic = args[2];
    long idleMs = Long.parseLong(args[3]);
    int rejectEvery = Integer.parseInt(args[4]);
    int releaseEvery = Integer.parseInt(args[5]);
    int holdAfter = Integer.parseInt(args[6]);
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("group.id", group);
    p.put("share.acknowledgement.mode", "explicit");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    int printed = 0;
    try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      System.out.println("READY");
      System.out.flush();
      // Until the first record the wait is the longer one.
      long lastRecord = System.currentTimeMillis();
      long wait = Math.max(idleMs, FIRST_RECORD_WAIT_MS);
      while (System.currentTimeMillis() - lastRecord < wait) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        lastRecord = System.currentTimeMillis();
        wait = idleMs;
        StringBuilder out = new StringBuilder();
        if (holdAfter > 0 && printed + records.count() >= holdAfter) {
          // This poll's records stay acquired and unacknowledged until the process is killed.
          for (ConsumerRecord<String, String> r : records) {
            out.append("H ").append(r.offset()).append(' ').append(r.deliveryCount().orElse((short) 0)).append(' ').append(r.value()).append('\n');
          }
          System.out.print(out);
          System.out.println("HOLDING");
          System.out.flush();
          Thread.sleep(Long.MAX_VALUE);
        }
        for (ConsumerRecord<String, String> r : records) {
          int n = Integer.parseInt(r.value());
          int delivery = r.deliveryCount().orElse((short) 0);
          out.append("R ").append(r.offset()).append(' ').append(delivery).append(' ').append(r.value()).append('\n');
          printed++;
          if (rejectEvery > 0 && n % rejectEvery == 0) consumer.acknowledge(r, AcknowledgeType.REJECT);
          else if (releaseEvery > 0 && n % releaseEvery == 0 && delivery == 1) consumer.acknowledge(r, AcknowledgeType.RELEASE);
          else if (releaseEvery < 0 && n % -releaseEvery == 0) consumer.acknowledge(r, AcknowledgeType.RELEASE);
          else consumer.acknowledge(r, AcknowledgeType.ACCEPT);
        }
        consumer.commitSync();
        System.out.print(out);
        System.out.flush();
      }
    }
    System.out.println("DONE " + printed);
  }
}
