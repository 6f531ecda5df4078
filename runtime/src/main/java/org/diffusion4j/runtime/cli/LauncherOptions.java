package org.diffusion4j.runtime.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.plugin.PluginManager;

/**
 * The options every launcher command shares ({@code --help}, {@code --plugins}, {@code --threads},
 * {@code --backend}, {@code --set}) and how they are read, so each command states only its own.
 */
public final class LauncherOptions {

    private LauncherOptions() {
    }

    /** {@code --help} and {@code --plugins}: for commands that only read the registry. */
    public static Options registryOnly() {
        Options o = new Options();
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        o.addOption(Option.builder().longOpt("plugins").hasArg().argName("DIR")
                .desc("plugins folder (default: the distribution's plugins/)").build());
        return o;
    }

    /** {@link #registryOnly()} plus {@code --threads} and {@code --backend}: for commands that compute. */
    public static Options compute() {
        Options o = registryOnly();
        o.addOption(Option.builder().longOpt("threads").hasArg().argName("N")
                .desc("worker threads of the backend (default: all cores); results do not depend on it").build());
        o.addOption(Option.builder().longOpt("backend").hasArg().argName("NAME").desc("compute backend (default: java)")
                .build());
        return o;
    }

    /** {@code --set PATH=VALUE}, repeatable. */
    public static Option set() {
        return Option.builder().longOpt("set").hasArg().argName("PATH=VALUE")
                .desc("override one spec value, e.g. --set training.lr=0.0003 --set samplers.ode.steps=50 (repeatable);"
                        + " --set schedule.name=ddpm.cosine switches the component and drops the old one's options"
                        + " (said on stderr), keeping those given with --set in the same command")
                .build();
    }

    /** Parses {@code args}; prints the help to {@code out} and returns null when {@code --help} was given. */
    public static CommandLine parse(PrintStream out, String command, String syntax, Options options, String[] args)
            throws ParseException {
        CommandLine cl = new DefaultParser().parse(options, args);
        if (cl.hasOption("help")) {
            StringWriter w = new StringWriter();
            new HelpFormatter().printHelp(new PrintWriter(w), 100, "diffusion4j " + command + " " + syntax, "", options,
                    2, 2, "", true);
            out.print(w);
            return null;
        }
        return cl;
    }

    /**
     * The plugins of {@code --plugins DIR}, else of the distribution's {@code plugins/}, else the module
     * path's; a plugin that cannot be loaded is skipped with a one-line warning on stderr.
     */
    public static PluginManager plugins(CommandLine cl) {
        String dir = cl.getOptionValue("plugins");
        if (dir != null && !Files.isDirectory(Path.of(dir))) {
            throw new UserException("plugins folder not found: " + dir);
        }
        if (dir == null) {
            String home = System.getProperty("diffusion4j.home");
            dir = home == null ? null : Path.of(home, "plugins").toString();
        }
        PluginManager pm = PluginManager.load(dir == null ? null : Path.of(dir));
        // A broken plugin does not stop the others; it is named once per command, on stderr.
        pm.problems().forEach(p -> System.err.println("warning: " + p));
        return pm;
    }

    /** {@code --threads N} in [1, 1024]; all cores when absent. */
    public static int threads(CommandLine cl) {
        String v = cl.getOptionValue("threads");
        if (v == null) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1 && n <= 1024) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserException("--threads must be an integer in [1, 1024], got '" + v + "'");
    }

    /** The backend named by {@code --backend} (default {@code java}) with {@link #threads} workers. */
    public static Backend backend(CommandLine cl, PluginManager pm) {
        return pm.backend(cl.getOptionValue("backend", "java")).create(threads(cl));
    }
}
