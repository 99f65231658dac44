// Kafka Streams WordCount on the streams rebalance protocol (group.protocol=streams, KIP-1071;
// kafka-streams 4.4.0) with processing.guarantee=exactly_once_v2, compiled by
// test/compat/clients/txn-drivers.ts. One JSON object per line.
//
//   java -cp ... WordCountStreamsGroup run BOOTSTRAP IN OUT APP_ID STATE_DIR IDLE_MS
//     lines of IN split into words, counted per word (an in-memory store with its changelog,
//     behind a repartition topic), each new count written to OUT. Prints
//     {"event":"state","state":...} on each state change, {"event":"tasks","active":[...]}
//     whenever the set of active tasks this instance runs changes, and
//     {"event":"progress","words":N} every 1000 words; closes and exits once RUNNING, running
//     tasks, and IDLE_MS without words.
//   The counts are read back with WordCountEos dump.

import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

public class WordCountStreamsGroup {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        if (!args[0].equals("run")) throw new IllegalArgumentException("unknown mode " + args[0]);
        String bootstrap = args[1], in = args[2], outTopic = args[3], appId = args[4], stateDir = args[5];
        long idleMs = Long.parseLong(args[6]);

        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

        AtomicLong words = new AtomicLong();
        AtomicLong lastWordAt = new AtomicLong(System.currentTimeMillis());
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
            .flatMapValues(line -> Arrays.asList(line.split(" ")))
            .peek((k, w) -> {
                lastWordAt.set(System.currentTimeMillis());
                if (words.incrementAndGet() % 1000 == 0) out("{\"event\":\"progress\",\"words\":" + words.get() + "}");
            })
            .groupBy((k, w) -> w, Grouped.with(Serdes.String(), Serdes.String()))
            .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("counts"))
                .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
            .toStream()
            .to(outTopic, Produced.with(Serdes.String(), Serdes.Long()));

        KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.setStateListener((now, before) -> out("{\"event\":\"state\",\"state\":\"" + now + "\"}"));
        streams.start();
        String reported = "";
        while (true) {
            Thread.sleep(200);
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) break;
            TreeSet<String> active = new TreeSet<>();
            if (state == KafkaStreams.State.RUNNING) {
                for (ThreadMetadata t : streams.metadataForLocalThreads()) {
                    for (TaskMetadata task : t.activeTasks()) active.add(task.taskId().toString());
                }
            }
            StringBuilder b = new StringBuilder("[");
            for (String id : active) b.append(b.length() > 1 ? "," : "").append('"').append(id).append('"');
            String now = b.append(']').toString();
            if (!now.equals(reported)) {
                reported = now;
                out("{\"event\":\"tasks\",\"active\":" + now + "}");
            }
            if (state == KafkaStreams.State.RUNNING && !active.isEmpty() && System.currentTimeMillis() - lastWordAt.get() > idleMs) break;
        }
        streams.close(Duration.ofSeconds(30));
        out("{\"event\":\"closed\",\"words\":" + words.get() + "}");
    }
}
