package org.diffusion4j.runtime.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.io.CorruptFileException;

/**
 * The {@code diffusion4j} launcher: {@code list}, {@code describe}, {@code train}, {@code sample},
 * {@code eval}, {@code sweep}, {@code bench}, {@code quickstart}. A user error (unknown component or
 * option, bad value, missing or damaged file) or a diverged model ({@link NonFiniteOutputException})
 * ends with a one-line message and exit status 2, without a stack trace; an internal error prints its
 * stack trace and exits with 1.
 */
public final class Main {

    /** Exit status of user errors. */
    public static final int USER_ERROR = 2;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = new TreeMap<>();
        for (Command c : Commands.all(out, err)) {
            commands.put(c.name(), c);
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(out, commands);
            return args.length == 0 ? USER_ERROR : 0;
        }
        Command c = commands.get(args[0]);
        if (c == null) {
            err.println("error: unknown command '" + args[0] + "'; commands: " + String.join(", ", commands.keySet()));
            return USER_ERROR;
        }
        try {
            return c.run(Arrays.copyOfRange(args, 1, args.length));
        } catch (ParseException e) {
            err.println("error: " + args[0] + ": " + e.getMessage().replace('\n', ' ') + " (see 'diffusion4j " + args[0]
                    + " --help')");
            return USER_ERROR;
        } catch (UserException | ConfigException | CorruptFileException | NonFiniteOutputException e) {
            err.println("error: " + e.getMessage().replace('\n', ' '));
            return USER_ERROR;
        } catch (IllegalArgumentException e) {
            // Components report bad data (a malformed file, a wrong dimension) this way.
            err.println("error: " + String.valueOf(e.getMessage()).replace('\n', ' '));
            return USER_ERROR;
        } catch (Exception e) {
            err.println("internal error: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static void usage(PrintStream out, Map<String, Command> commands) {
        out.println("usage: diffusion4j COMMAND [options]   (diffusion4j COMMAND --help for its options)");
        out.println();
        commands.values().forEach(c -> out.printf("  %-11s %s%n", c.name(), c.summary()));
    }

    /** One launcher command. */
    interface Command {
        String name();

        String summary();

        int run(String[] args) throws Exception;
    }
}
