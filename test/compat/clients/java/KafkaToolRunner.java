import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.utils.internals.Exit;

/**
 * Runs Kafka's command-line tools (their `main`) one after another in this one JVM, for the
 * compat tests (test/compat/setup/kafka-tool.ts): a JVM start costs a tool more CPU than its work.
 *
 * Requests, one a line on stdin: `ID MAIN_CLASS STDIN ARG...`, each field but ID base64 (UTF-8),
 * `-` for an empty one. Answers, on the real stdout, which nothing else writes to (System.out and
 * System.err are replaced before any tool class loads): `@@millrace-tool-runner NONCE ID CODE
 * STDOUT STDERR` on a line of its own, the outputs base64 (`-` when empty), NONCE the first
 * argument (chosen by the caller, so no tool output can forge an answer).
 *
 * Each request runs as its own process would: its main on a thread named "main" in a thread
 * group of its own, System.in holding the request's stdin, everything its threads print captured
 * (threads of earlier requests print nowhere), Exit.exit/halt ending it with their code (the
 * calling thread prints nothing more, as it never returns from a real exit), hooks given to
 * Exit.addShutdownHook run at an exit or the end of main (not at a halt), an uncaught exception
 * printed as the launcher prints it with code 1. Afterwards the system properties, default
 * locales, time zone and default uncaught-exception handler are put back, and threads the tool
 * left behind are interrupted.
 */
public final class KafkaToolRunner {
  private static final String MARK = "@@millrace-tool-runner";
  /** How long shutdown hooks may take after a tool ends (a real JVM would wait for them). */
  private static final long HOOK_WAIT_MS = 30_000;

  /** Thrown in a tool's thread by Exit.exit/halt to unwind it, as the real exit stops it. */
  static final class ToolExit extends Error {
    ToolExit() {
      super("exit", null, false, false);
    }
  }

  /** One tool invocation: its threads, its captured output, how it ended. */
  static final class Request {
    final ThreadGroup group;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final CompletableFuture<Integer> ended = new CompletableFuture<>();
    final List<Runnable> hooks = new ArrayList<>();
    /** Threads that called Exit.exit/halt: a real one never returns from it, so prints nothing more. */
    final Set<Thread> exited = ConcurrentHashMap.newKeySet();
    volatile boolean halted;
    /** Set once the outputs are taken: nothing printed later belongs to the answer. */
    volatile boolean closed;

    Request(ThreadGroup group) {
      this.group = group;
    }

    /** The first end wins: an exit stops the process, so later exits and output do not count. */
    boolean end(int code) {
      return ended.complete(code);
    }
  }

  /** Parent of every request's thread group: tells a request's threads from the JVM's own. */
  private static final ThreadGroup REQUESTS = new ThreadGroup("kafka-tool-requests");
  private static volatile Request current;
  private static MethodHandle newToolMain;

  /**
   * The request a thread of a tool belongs to; null for a thread of an earlier request (its
   * process has exited). Threads outside every request (JVM and shared pool threads) count as
   * the current request's.
   */
  static Request owner() {
    Request r = current;
    for (ThreadGroup g = Thread.currentThread().getThreadGroup(); g != null; g = g.getParent()) {
      if (r != null && g == r.group) return r;
      if (g.getParent() == REQUESTS) return null;
    }
    return r;
  }

  /** System.out or System.err for every tool: writes go to the output of the writer's request. */
  static final class Routed extends OutputStream {
    private final boolean stdout;

    Routed(boolean stdout) {
      this.stdout = stdout;
    }

    private ByteArrayOutputStream target() {
      Request r = owner();
      if (r == null || r.closed || r.exited.contains(Thread.currentThread())) return null;
      return stdout ? r.out : r.err;
    }

    @Override
    public void write(int b) {
      ByteArrayOutputStream t = target();
      if (t != null) synchronized (t) { t.write(b); }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ByteArrayOutputStream t = target();
      if (t != null) synchronized (t) { t.write(b, off, len); }
    }
  }

  public static void main(String[] argv) throws Throwable {
    String nonce = argv[0];
    InputStream requests = System.in;
    PrintStream answers = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);
    Charset outCharset = charsetOf("sun.stdout.encoding");
    Charset errCharset = charsetOf("sun.stderr.encoding");
    System.setOut(new PrintStream(new Routed(true), true, outCharset));
    System.setErr(new PrintStream(new Routed(false), true, errCharset));
    System.setIn(new ByteArrayInputStream(new byte[0]));
    Exit.setExitProcedure((code, message) -> exitCalled(code, false));
    Exit.setHaltProcedure((code, message) -> exitCalled(code, true));
    Exit.setShutdownHookAdder((name, hook) -> {
      Request r = owner();
      if (r != null) synchronized (r.hooks) { r.hooks.add(hook); }
    });

    newToolMain = hiddenToolMain();
    Map<Object, Object> properties = new HashMap<>(System.getProperties());
    Locale locale = Locale.getDefault();
    Locale display = Locale.getDefault(Locale.Category.DISPLAY);
    Locale format = Locale.getDefault(Locale.Category.FORMAT);
    TimeZone zone = TimeZone.getDefault();
    Thread.UncaughtExceptionHandler uncaught = Thread.getDefaultUncaughtExceptionHandler();

    BufferedReader lines = new BufferedReader(new InputStreamReader(requests, StandardCharsets.US_ASCII));
    int count = 0;
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.isEmpty()) continue;
      String[] fields = line.split(" ", -1);
      String id = fields[0];
      String mainClass = text(fields[1]);
      byte[] stdin = bytes(fields[2]);
      String[] args = new String[fields.length - 3];
      for (int i = 0; i < args.length; i++) args[i] = text(fields[i + 3]);

      Request r = new Request(new ThreadGroup(REQUESTS, "tool-" + (++count)));
      System.setIn(new ByteArrayInputStream(stdin));
      current = r;
      int code = run(r, mainClass, args);
      current = null;

      restoreProperties(properties);
      Locale.setDefault(locale);
      Locale.setDefault(Locale.Category.DISPLAY, display);
      Locale.setDefault(Locale.Category.FORMAT, format);
      TimeZone.setDefault(zone);
      Thread.setDefaultUncaughtExceptionHandler(uncaught);
      System.setIn(new ByteArrayInputStream(new byte[0]));
      r.closed = true;
      r.group.interrupt();

      byte[] out;
      byte[] err;
      synchronized (r.out) { out = r.out.toByteArray(); }
      synchronized (r.err) { err = r.err.toByteArray(); }
      answers.print('\n' + MARK + ' ' + nonce + ' ' + id + ' ' + code + ' ');
      writeBase64(answers, out);
      answers.print(' ');
      writeBase64(answers, err);
      answers.print('\n');
      answers.flush();
    }
    // stdin closed: the caller is gone or done. Halt: leftover tool threads must not keep us.
    Runtime.getRuntime().halt(0);
  }

  /** Runs one tool to its end and returns its exit code. */
  private static int run(Request r, String mainClass, String[] args) throws Throwable {
    MethodHandle main;
    try {
      Method m = Class.forName(mainClass).getMethod("main", String[].class);
      if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != void.class) throw new NoSuchMethodException();
      m.setAccessible(true);
      main = MethodHandles.lookup().unreflect(m);
    } catch (ClassNotFoundException | LinkageError e) {
      // what the java launcher prints for a class it cannot load
      r.err.writeBytes(("Error: Could not find or load main class " + mainClass + "\nCaused by: " + e + "\n").getBytes(StandardCharsets.UTF_8));
      return 1;
    } catch (NoSuchMethodException e) {
      r.err.writeBytes(("Error: Main method not found in class " + mainClass
          + ", please define the main method as:\n   public static void main(String[] args)\n"
          + "or a JavaFX application class must extend javafx.application.Application\n").getBytes(StandardCharsets.UTF_8));
      return 1;
    }
    Thread thread = (Thread) newToolMain.invoke(r.group, main, args);
    Thread waiter = new Thread(() -> {
      try {
        thread.join();
      } catch (InterruptedException e) {
        return;
      }
      // after the join: an exception out of main has been printed by then, and the JVM
      // (DestroyJavaVM) exits with 1 after one
      r.end(((BooleanSupplier) thread).getAsBoolean() ? 1 : 0);
    }, "kafka-tool-waiter");
    waiter.setDaemon(true);
    thread.start();
    waiter.start();
    int code = r.ended.get();
    if (!r.halted) {
      List<Runnable> hooks;
      synchronized (r.hooks) { hooks = new ArrayList<>(r.hooks); }
      runHooks(r, hooks);
    }
    return code;
  }

  /** Exit.exit / Exit.halt from a tool: the first one ends its request with that code. */
  private static void exitCalled(int code, boolean halt) {
    Request r = owner();
    if (r != null) {
      r.exited.add(Thread.currentThread());
      if (halt && !r.ended.isDone()) r.halted = true;
      r.end(code);
    }
    throw new ToolExit();
  }

  /**
   * The constructor of KafkaToolMain defined as a hidden class (its frames are left out of stack
   * traces): (ThreadGroup, MethodHandle main, String[] args) -> Thread.
   */
  private static MethodHandle hiddenToolMain() throws Exception {
    byte[] bytes;
    try (InputStream in = KafkaToolRunner.class.getResourceAsStream("KafkaToolMain.class")) {
      bytes = in.readAllBytes();
    }
    MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
    return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class, ThreadGroup.class, MethodHandle.class, String[].class))
        .asType(MethodType.methodType(Thread.class, ThreadGroup.class, MethodHandle.class, String[].class));
  }

  private static void runHooks(Request r, List<Runnable> hooks) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (Runnable hook : hooks) {
      Thread t = new Thread(r.group, () -> {
        try {
          hook.run();
        } catch (ToolExit ignored) {
          // an exit from a hook while exiting changes nothing
        }
      }, "shutdown-hook");
      t.start();
      threads.add(t);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HOOK_WAIT_MS);
    for (Thread t : threads) t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
  }

  private static void restoreProperties(Map<Object, Object> saved) {
    Properties now = System.getProperties();
    for (Object key : new ArrayList<>(now.keySet())) {
      if (!saved.containsKey(key)) now.remove(key);
    }
    for (Map.Entry<Object, Object> e : saved.entrySet()) {
      if (!e.getValue().equals(now.get(e.getKey()))) now.put(e.getKey(), e.getValue());
    }
  }

  private static void writeBase64(PrintStream to, byte[] data) {
    if (data.length == 0) {
      to.print('-');
      return;
    }
    OutputStream b64 = Base64.getEncoder().wrap(new OutputStream() {
      @Override
      public void write(int b) {
        to.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        to.write(b, off, len);
      }

      @Override
      public void close() {
        // keep the answers stream open
      }
    });
    try {
      b64.write(data);
      b64.close();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String field) {
    return field.equals("-") ? new byte[0] : Base64.getDecoder().decode(field);
  }

  private static String text(String field) {
    return new String(bytes(field), StandardCharsets.UTF_8);
  }

  private static Charset charsetOf(String property) {
    String name = System.getProperty(property);
    try {
      return name != null ? Charset.forName(name) : Charset.defaultCharset();
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }
}
