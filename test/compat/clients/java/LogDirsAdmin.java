// Compat driver for the Java Admin's describeLogDirs (KIP-1066 adds whether a directory is
// cordoned, DescribeLogDirs v5):
//   java -cp '<classes>:<libs>/*' LogDirsAdmin BOOTSTRAP
// Prints one line per log directory of every broker, in directory order:
//   <broker id> <directory> cordoned=<true|false> partitions=<count>
// or the exception's class and message (exit 2) when the call failed.
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.common.Node;

public class LogDirsAdmin {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        try (Admin admin = Admin.create(props)) {
            List<Integer> ids = new ArrayList<>();
            for (Node n : admin.describeCluster().nodes().get()) ids.add(n.id());
            Map<Integer, Map<String, LogDirDescription>> all = admin.describeLogDirs(ids).allDescriptions().get();
            for (Map.Entry<Integer, Map<String, LogDirDescription>> b : new TreeMap<>(all).entrySet()) {
                for (Map.Entry<String, LogDirDescription> d : new TreeMap<>(b.getValue()).entrySet()) {
                    System.out.println(b.getKey() + " " + d.getKey() + " cordoned=" + d.getValue().isCordoned() + " partitions=" + d.getValue().replicaInfos().size());
                }
            }
        } catch (ExecutionException e) {
            System.out.println(e.getCause().getClass().getName() + ": " + e.getCause().getMessage());
            System.exit(2);
        }
    }
}
