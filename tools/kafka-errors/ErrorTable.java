// Prints Kafka's error table as the compiled client has it, one tab-separated line per code:
// code, name, retriable (the exception is a RetriableException), default message (JSON string
// or null). Run by tools/import-spec.ts --errors-from-jars:
//   java -cp "<libs>/*" tools/kafka-errors/ErrorTable.java
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

public class ErrorTable {
    private static String json(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) {
        for (Errors e : Errors.values()) {
            ApiException ex = e.exception();
            String message = ex == null ? null : ex.getMessage();
            System.out.println(e.code() + "\t" + e.name() + "\t" + (ex instanceof RetriableException) + "\t" + json(message));
        }
    }
}
