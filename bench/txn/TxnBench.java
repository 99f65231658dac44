// Transactions per second with the Java client (kafka-clients of the Kafka jars in
// bench/.cache/kafka/libs), for bench/txn/run.js:
//   java -cp ... TxnBench BOOTSTRAP TOPIC PARTITIONS_PER_TXN SECONDS
// One transactional producer; each transaction sends one 100 B record to each of the first
// PARTITIONS_PER_TXN partitions of TOPIC and commits. Warms up for 2 s, then counts for SECONDS
// and prints one JSON line: transactions per second and commit latency percentiles (ms, from
// beginTransaction to the end of commitTransaction).
import java.util.Arrays;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class TxnBench {
    public static void main(String[] args) {
        String bootstrap = args[0], topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("transactional.id", "txn-bench-" + partitions + "-" + System.nanoTime());
        p.put("linger.ms", "0");
        byte[] value = new byte[100];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            long warmEnd = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warmEnd) one(producer, topic, partitions, value);
            long[] lat = new long[1 << 20];
            int n = 0;
            long start = System.nanoTime(), end = start + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && n < lat.length) lat[n++] = one(producer, topic, partitions, value);
            double secs = (System.nanoTime() - start) / 1e9;
            long[] sorted = Arrays.copyOf(lat, n);
            Arrays.sort(sorted);
            System.out.println("{\"partitions_per_txn\":" + partitions + ",\"transactions\":" + n + ",\"txn_per_s\":" + Math.round(n / secs * 10) / 10.0
                + ",\"p50_ms\":" + sorted[n / 2] / 1e6 + ",\"p99_ms\":" + sorted[(int) (n * 0.99)] / 1e6 + "}");
        }
    }

    static long one(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, byte[] value) {
        long t0 = System.nanoTime();
        producer.beginTransaction();
        for (int i = 0; i < partitions; i++) producer.send(new ProducerRecord<>(topic, i, null, value));
        // commitTransaction waits for these sends anyway, but the 4.x client (transaction.version 2,
        // no AddPartitionsToTxn ahead of EndTxn) can let EndTxn overtake them: its sender thread
        // reads "no incomplete batches" before the sends land in the accumulator and then dequeues
        // the EndTxn queued after them. The coordinator then sees a commit of an empty transaction
        // and answers INVALID_TXN_STATE (as Kafka does), fatal for the producer. Seen against
        // Millrace about once in 50,000 transactions, where responses come back in under a
        // millisecond. flush() closes the window and costs nothing the commit would not wait for.
        producer.flush();
        producer.commitTransaction();
        return System.nanoTime() - t0;
    }
}
