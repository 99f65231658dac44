// Reads lines "<MessageName> <version> <hex>" on stdin and checks each encoding against the
// generated message classes of a real Kafka client: the class must read the bytes, consume
// all of them, and write the very same bytes back. Versions outside the class's supported
// range are counted, not checked. Used by tools/codegen/crosscheck/crosscheck.ts.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

public class KafkaCrossCheck {
  static final String[] PACKAGES = {
    "org.apache.kafka.common.message.",
    "org.apache.kafka.coordinator.group.generated.",
    "org.apache.kafka.coordinator.transaction.generated.",
    "org.apache.kafka.coordinator.share.generated.",
    "org.apache.kafka.server.common.message.",
  };

  static byte[] hex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return b;
  }

  static Class<?> find(String name) {
    for (String pkg : PACKAGES) {
      for (String n : new String[] {name + "Data", name}) {
        try {
          return Class.forName(pkg + n);
        } catch (ClassNotFoundException e) {
          // try the next
        }
      }
    }
    return null;
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    int ok = 0;
    int outside = 0;
    Set<String> missing = new TreeSet<>();
    Map<String, Integer> problems = new TreeMap<>();
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.split(" ");
      String name = p[0];
      short v = Short.parseShort(p[1]);
      byte[] bytes = hex(p.length > 2 ? p[2] : "");
      Class<?> c = find(name);
      if (c == null) {
        missing.add(name);
        continue;
      }
      try {
        short lo = c.getField("LOWEST_SUPPORTED_VERSION").getShort(null);
        short hi = c.getField("HIGHEST_SUPPORTED_VERSION").getShort(null);
        if (v < lo || v > hi) {
          outside++;
          continue;
        }
      } catch (NoSuchFieldException e) {
        // no range published: check every version
      }
      String key = name + " v" + v;
      try {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        Message m = (Message) c.getConstructor(org.apache.kafka.common.protocol.Readable.class, short.class)
            .newInstance(new ByteBufferAccessor(buf), v);
        if (buf.remaining() != 0) {
          problems.merge(key + ": " + buf.remaining() + " bytes left unread", 1, Integer::sum);
          continue;
        }
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer out = ByteBuffer.allocate(m.size(cache, v));
        m.write(new ByteBufferAccessor(out), cache, v);
        if (!Arrays.equals(out.array(), bytes)) {
          problems.merge(key + ": Kafka writes different bytes", 1, Integer::sum);
          continue;
        }
        ok++;
      } catch (Throwable e) {
        Throwable t = e instanceof java.lang.reflect.InvocationTargetException ? e.getCause() : e;
        problems.merge(key + ": " + t.getClass().getSimpleName() + ": " + t.getMessage(), 1, Integer::sum);
      }
    }
    System.out.println("identical: " + ok + ", outside Kafka's versions: " + outside + ", no Kafka class: " + missing);
    for (Map.Entry<String, Integer> e : problems.entrySet()) System.out.println(e.getValue() + "x " + e.getKey());
    System.exit(problems.isEmpty() ? 0 : 1);
  }
}
