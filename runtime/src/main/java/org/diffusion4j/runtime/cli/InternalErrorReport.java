package org.diffusion4j.runtime.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Reports an exception that is not the user's fault: one line naming the plugin (or the runtime)
 * the failure came from and a log file that holds the stack trace, so that a bug inside a plugin
 * neither reads as a mistake of the user's nor floods the terminal.
 *
 * <p>The log file is {@code diffusion4j-error-<yyyyMMdd-HHmmss>-<random>.log} in the folder named by
 * the environment variable {@value #LOG_DIR_VARIABLE}, else in {@code java.io.tmpdir}.
 */
final class InternalErrorReport {

    /** Environment variable naming the folder of the error logs. */
    static final String LOG_DIR_VARIABLE = "DIFFUSION4J_LOG_DIR";

    private static final String API = "org.diffusion4j.api";
    private static final String RUNTIME = "org.diffusion4j.runtime";
    private static final String PLUGIN = "org.diffusion4j.plugin.";

    private InternalErrorReport() {
    }

    /** Writes the stack trace of {@code t} to a log file and returns the one line to print. */
    static String report(Throwable t, String command) {
        String where = owner(t);
        String what = String.valueOf(t).replace('\n', ' ').replace('\r', ' ');
        StringWriter trace = new StringWriter();
        try (PrintWriter w = new PrintWriter(trace)) {
            w.println("diffusion4j " + command + ": internal error in " + where);
            w.println("java " + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch"));
            t.printStackTrace(w);
        }
        String head = "internal error in " + where + ": " + what;
        try {
            Path log = writeLog(trace.toString());
            return head + "; the stack trace is in " + log;
        } catch (IOException | RuntimeException e) {
            // Nowhere to write it: the trace goes to the terminal after all rather than being lost.
            return head + "; the stack trace could not be written to a log file (" + e + "):\n" + trace;
        }
    }

    private static Path writeLog(String text) throws IOException {
        String dir = System.getenv(LOG_DIR_VARIABLE);
        Path folder = Path.of(dir != null && !dir.isBlank() ? dir : System.getProperty("java.io.tmpdir"));
        Files.createDirectories(folder);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path log = Files.createTempFile(folder, "diffusion4j-error-" + stamp + "-", ".log");
        Files.writeString(log, text);
        return log.toAbsolutePath();
    }

    /**
     * Who failed, as "plugin NAME", "the runtime" or "the api". The top-most stack frame of a plugin
     * decides, looking at the innermost cause first: an api method that refuses an argument (a wrong
     * shape) was called wrongly by its caller, and JDK or library frames are nobody's plugin. With no
     * plugin frame, the runtime or the api is named.
     */
    static String owner(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.addFirst(c);
        }
        for (Throwable c : chain) {
            for (StackTraceElement f : c.getStackTrace()) {
                String plugin = pluginOf(f);
                if (plugin != null) {
                    return "plugin " + plugin;
                }
            }
        }
        for (String fallback : List.of(RUNTIME, API)) {
            for (Throwable c : chain) {
                for (StackTraceElement f : c.getStackTrace()) {
                    if (fallback.equals(moduleOf(f))) {
                        return fallback.equals(API) ? "the api" : "the runtime";
                    }
                }
            }
        }
        return "the runtime";
    }

    /** The plugin (module name) a frame belongs to; null for the JDK, the api, the runtime and its libraries. */
    private static String pluginOf(StackTraceElement f) {
        String module = moduleOf(f);
        if (module == null || module.equals(API) || module.equals(RUNTIME) || module.startsWith("java.")
                || module.startsWith("jdk.")) {
            return null;
        }
        if (module.startsWith(PLUGIN)) {
            return module;
        }
        if (f.getModuleName() == null) {
            return null; // a library or test class on the class path
        }
        // Plugin folders get layers of their own; the boot layer holds the runtime's libraries (Guice, Commons CLI).
        return ModuleLayer.boot().findModule(module).isPresent() ? null : module;
    }

    /**
     * The module of a frame; for a class in the unnamed module (class path, tests) the module its
     * package would be in, "java.base" for the JDK and "class path" for anything else.
     */
    private static String moduleOf(StackTraceElement f) {
        if (f.getModuleName() != null) {
            return f.getModuleName();
        }
        String c = f.getClassName();
        if (c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.") || c.startsWith("sun.")
                || c.startsWith("com.sun.")) {
            return "java.base";
        }
        if (c.startsWith(API + ".")) {
            return API;
        }
        if (c.startsWith(RUNTIME + ".")) {
            return RUNTIME;
        }
        if (c.startsWith(PLUGIN)) {
            int end = c.indexOf('.', PLUGIN.length());
            return end < 0 ? c : c.substring(0, end);
        }
        return "class path";
    }
}
