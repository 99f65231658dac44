// Kafka Streams WordCount with processing.guarantee=exactly_once_v2 (kafka-streams 4.4.0),
// compiled by test/compat/clients/txn-drivers.ts. One JSON object per line.
//
//   java -cp ... WordCountEos run  BOOTSTRAP IN OUT APP_ID STATE_DIR IDLE_MS
//     lines of IN split into words on spaces, counted per word (an in-memory store with its
//     changelog), each new count written to OUT (key: word, value: count as a long). Prints
//     {"event":"state","state":...} on each state change and {"event":"progress","words":N}
//     every 1000 words counted by this process; closes and exits once RUNNING and IDLE_MS
//     without words.
//   java -cp ... WordCountEos dump BOOTSTRAP OUT
//     OUT read with read_committed up to its end offsets: the last count of each word, as
//     {"event":"counts","counts":{word: count, ...}}.

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

public class WordCountEos {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("run")) run(args[1], args[2], args[3], args[4], args[5], Long.parseLong(args[6]));
        else if (args[0].equals("dump")) dump(args[1], args[2]);
        else throw new IllegalArgumentException("unknown mode " + args[0]);
    }

    static void run(String bootstrap, String in, String outTopic, String appId, String stateDir, long idleMs) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "200");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "10000");
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
        while (true) {
            Thread.sleep(200);
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) break;
            if (streams.state() == KafkaStreams.State.RUNNING && System.currentTimeMillis() - lastWordAt.get() > idleMs) break;
        }
        streams.close(Duration.ofSeconds(30));
        out("{\"event\":\"closed\",\"words\":" + words.get() + "}");
    }

    static void dump(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, Long> counts = new TreeMap<>();
        try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer())) {
            TxnDriver.readToEnd(c, topic, r -> counts.put(r.key(), r.value()));
        }
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (b.length() > 1) b.append(',');
            b.append(CompatConsumer.str(e.getKey())).append(':').append(e.getValue());
        }
        out("{\"event\":\"counts\",\"counts\":" + b.append('}') + "}");
    }
}
