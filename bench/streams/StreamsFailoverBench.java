// A Kafka Streams 4.4 WordCount on the streams rebalance protocol (group.protocol=streams,
// KIP-1071) for bench/streams/run.js, compiled against the jars of tools/kafka/fetch.sh
// (kafka-streams 4.4.0, RocksDB). Kafka Streams' defaults otherwise: at_least_once, one stream
// thread, the count in a RocksDB store with its changelog, behind a repartition topic.
//
//   java -cp ... StreamsFailoverBench fill BOOTSTRAP IN LINES
//     writes LINES lines of five words (a vocabulary of 40, seeded) to IN and exits.
//
//   java -cp ... StreamsFailoverBench run BOOTSTRAP IN OUT APP_ID STATE_DIR
//     runs the app; prints one JSON line per event, each with "t", the wall-clock time in ms
//     (the rig kills instances with the same clock):
//       {"event":"state","state":S,"t":...}     each state change (the state listener)
//       {"event":"tasks","active":[...],"t":...} the active tasks this instance runs, whenever
//                                                that set changes (read every 10 ms; empty
//                                                unless the instance is RUNNING)
//     and closes (30 s at most) when "stop" or the end of input arrives on stdin.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.Random;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

public class StreamsFailoverBench {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fill" -> fill(args[1], args[2], Integer.parseInt(args[3]));
            case "run" -> run(args[1], args[2], args[3], args[4], args[5]);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static void fill(String bootstrap, String topic, int lines) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        Random random = new Random(17);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < lines; i++) {
                StringBuilder line = new StringBuilder();
                for (int w = 0; w < 5; w++) line.append(w == 0 ? "" : " ").append('w').append(Integer.toString(random.nextInt(40), 36));
                producer.send(new ProducerRecord<>(topic, "line-" + i, line.toString()));
            }
            producer.flush();
        }
        out("{\"event\":\"filled\",\"lines\":" + lines + "}");
    }

    static void run(String bootstrap, String in, String outTopic, String appId, String stateDir) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
            .flatMapValues(line -> Arrays.asList(line.split(" ")))
            .groupBy((k, w) -> w, Grouped.with(Serdes.String(), Serdes.String()))
            .count()
            .toStream()
            .to(outTopic, Produced.with(Serdes.String(), Serdes.Long()));

        KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.setStateListener((now, before) -> out("{\"event\":\"state\",\"state\":\"" + now + "\",\"t\":" + System.currentTimeMillis() + "}"));
        Thread stdin = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in))) {
                for (String line; (line = r.readLine()) != null; ) if (line.trim().equals("stop")) break;
            } catch (Exception e) {
                // stdin gone: stop as on "stop"
            }
            streams.close(Duration.ofSeconds(30));
        });
        stdin.setDaemon(true);
        streams.start();
        stdin.start();
        String reported = null;
        while (true) {
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_SHUTDOWN) break;
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
                out("{\"event\":\"tasks\",\"active\":" + now + ",\"t\":" + System.currentTimeMillis() + "}");
            }
            Thread.sleep(10);
        }
        stdin.join(40_000);
        out("{\"event\":\"closed\",\"state\":\"" + streams.state() + "\",\"t\":" + System.currentTimeMillis() + "}");
        System.exit(0);
    }
}
