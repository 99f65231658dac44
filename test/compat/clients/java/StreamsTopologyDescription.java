// KIP-1331 from the client side (kafka-streams 4.4.0 and the 4.4.0 Admin), compiled by
// test/compat/clients/txn-drivers.ts. One JSON object per line.
//
//   java -cp ... StreamsTopologyDescription run BOOTSTRAP IN OUT APP_ID STATE_DIR WAIT_MS
//     starts a Kafka Streams application on the streams rebalance protocol (a source, a
//     mapValues, a count in a store, a sink), and once it is RUNNING asks the Admin's
//     describeStreamsGroups with includeTopologyDescription until the status is AVAILABLE or
//     WAIT_MS passed. Prints {"event":"described","status":...,"description":...,"local":...}:
//     the group's topology description as the broker returned it and the application's own
//     Topology.describe(), both in one canonical form (subtopologies by id, nodes by name,
//     sets sorted), then closes.

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeStreamsGroupsOptions;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.admin.StreamsGroupTopologyDescription;
import org.apache.kafka.clients.admin.StreamsGroupTopologyDescriptionStatus;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

public class StreamsTopologyDescription {
    static synchronized void out(String json) {
        System.out.println(json);
        System.out.flush();
    }

    static String q(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String list(Collection<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (String s : new TreeSet<>(items)) b.append(b.length() > 1 ? "," : "").append(q(s));
        return b.append(']').toString();
    }

    static String node(String name, String type, String field, String value, Set<String> successors) {
        return "{\"name\":" + q(name) + ",\"type\":" + q(type) + (field == null ? "" : ",\"" + field + "\":" + value) + ",\"successors\":" + list(successors) + "}";
    }

    static String subtopology(String id, TreeMap<String, String> nodes) {
        return "{\"id\":" + q(id) + ",\"nodes\":[" + String.join(",", nodes.values()) + "]}";
    }

    /** The broker's description (the Admin's classes). */
    static String fromBroker(StreamsGroupTopologyDescription d) {
        TreeMap<String, String> subs = new TreeMap<>();
        for (StreamsGroupTopologyDescription.Subtopology s : d.subtopologies()) {
            TreeMap<String, String> nodes = new TreeMap<>();
            for (StreamsGroupTopologyDescription.Node n : s.nodes()) {
                if (n instanceof StreamsGroupTopologyDescription.Source src) nodes.put(n.name(), node(n.name(), "source", "topics", list(src.topics()), n.successors()));
                else if (n instanceof StreamsGroupTopologyDescription.Processor p) nodes.put(n.name(), node(n.name(), "processor", "stores", list(p.stores()), n.successors()));
                else if (n instanceof StreamsGroupTopologyDescription.Sink k) nodes.put(n.name(), node(n.name(), "sink", "topic", q(k.topic().orElse(null)), n.successors()));
                else nodes.put(n.name(), node(n.name(), "unknown", null, null, n.successors()));
            }
            subs.put(s.id(), subtopology(s.id(), nodes));
        }
        return "{\"subtopologies\":[" + String.join(",", subs.values()) + "],\"globalStores\":" + d.globalStores().size() + "}";
    }

    static Set<String> names(Set<TopologyDescription.Node> nodes) {
        Set<String> out = new TreeSet<>();
        for (TopologyDescription.Node n : nodes) out.add(n.name());
        return out;
    }

    /** The application's own Topology.describe(), in the same form. */
    static String fromApp(TopologyDescription d) {
        TreeMap<String, String> subs = new TreeMap<>();
        for (TopologyDescription.Subtopology s : d.subtopologies()) {
            TreeMap<String, String> nodes = new TreeMap<>();
            for (TopologyDescription.Node n : s.nodes()) {
                if (n instanceof TopologyDescription.Source src) nodes.put(n.name(), node(n.name(), "source", "topics", list(src.topicSet()), names(n.successors())));
                else if (n instanceof TopologyDescription.Processor p) nodes.put(n.name(), node(n.name(), "processor", "stores", list(p.stores()), names(n.successors())));
                else if (n instanceof TopologyDescription.Sink k) nodes.put(n.name(), node(n.name(), "sink", "topic", q(k.topic()), names(n.successors())));
            }
            subs.put(String.valueOf(s.id()), subtopology(String.valueOf(s.id()), nodes));
        }
        return "{\"subtopologies\":[" + String.join(",", subs.values()) + "],\"globalStores\":" + d.globalStores().size() + "}";
    }

    public static void main(String[] args) throws Exception {
        if (!args[0].equals("run")) throw new IllegalArgumentException("unknown mode " + args[0]);
        String bootstrap = args[1], in = args[2], outTopic = args[3], appId = args[4], stateDir = args[5];
        long waitMs = Long.parseLong(args[6]);

        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
            .mapValues(v -> v.toUpperCase())
            .groupByKey()
            .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("td-counts")).withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
            .toStream()
            .to(outTopic, Produced.with(Serdes.String(), Serdes.Long()));
        Topology topology = builder.build();
        String local = fromApp(topology.describe());

        KafkaStreams streams = new KafkaStreams(topology, p);
        streams.setStateListener((now, before) -> out("{\"event\":\"state\",\"state\":\"" + now + "\"}"));
        streams.start();
        long deadline = System.currentTimeMillis() + waitMs;
        while (streams.state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < deadline) Thread.sleep(200);

        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        String status = "NONE", description = "null";
        try (Admin admin = Admin.create(ap)) {
            DescribeStreamsGroupsOptions options = new DescribeStreamsGroupsOptions().includeTopologyDescription(true);
            do {
                StreamsGroupDescription g = admin.describeStreamsGroups(List.of(appId), options).all().get().get(appId);
                status = g.topologyDescriptionStatus().toString();
                description = g.topologyDescription().map(StreamsTopologyDescription::fromBroker).orElse("null");
                if (g.topologyDescriptionStatus() == StreamsGroupTopologyDescriptionStatus.AVAILABLE) break;
                Thread.sleep(500);
            } while (System.currentTimeMillis() < deadline);
        }
        out("{\"event\":\"described\",\"status\":" + q(status) + ",\"state\":" + q(streams.state().toString()) + ",\"description\":" + description + ",\"local\":" + local + "}");
        streams.close(Duration.ofSeconds(30));
        out("{\"event\":\"closed\"}");
    }
}
