import java.lang.invoke.MethodHandle;
import java.util.function.BooleanSupplier;

/**
 * The "main" thread of one tool in KafkaToolRunner. The runner defines this class as a hidden
 * class, whose frames stack traces leave out: a trace the tool prints then ends at its main, as
 * in its own process, not in this thread and the runner. An exception out of main is left to the
 * thread's uncaught-exception handling, which prints it as the launcher's main thread does.
 */
public class KafkaToolMain extends Thread implements BooleanSupplier {
  private final MethodHandle main;
  private final String[] args;
  private volatile boolean failed;

  public KafkaToolMain(ThreadGroup group, MethodHandle main, String[] args) {
    super(group, "main");
    this.main = main;
    this.args = args;
  }

  /** True when main ended with an exception other than an exit. */
  @Override
  public boolean getAsBoolean() {
    return failed;
  }

  @Override
  public void run() {
    try {
      main.invokeExact(args);
    } catch (Throwable e) {
      if (e instanceof KafkaToolRunner.ToolExit) return;
      failed = true;
      KafkaToolMain.<RuntimeException>rethrow(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void rethrow(Throwable e) throws T {
    throw (T) e;
  }
}
