package org.diffusion4j.runtime.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.NonFiniteOutputException;
import org.diffusion4j.api.UserError;

/**
 * The {@code diffusion4j} launcher: {@code list}, {@code describe}, {@code train}, {@code sample},
 * {@code eval}, {@code sweep}, {@code bench}, {@code quickstart}. A user error ({@link UserError}:
 * unknown component or option, bad value, missing or damaged file, malformed data) or a diverged
 * model ({@link NonFiniteOutputException}) ends with a one-line message and exit status 2, without a
 * stack trace. Anything else is an internal error: one line naming the plugin it came from and a log
 * file with the stack trace ({@link InternalErrorReport}), exit status 3.
 */
public final class Main {

    /** Exit status of user errors. */
    public static final int USER_ERROR = 2;

    /** Exit status of internal errors (a bug in a plugin or the runtime). */
    public static final int INTERNAL_ERROR = 3;

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
        } catch (UserError | NonFiniteOutputException | java.nio.file.InvalidPathException e) {
            err.println("error: " + String.valueOf(e.getMessage()).replace('\n', ' '));
            return USER_ERROR;
        } catch (Exception | LinkageError | java.util.ServiceConfigurationError | AssertionError
                 | StackOverflowError e) {
            // An IllegalArgumentException lands here too: components report the user's mistakes as
            // UserError, so any other exception is a bug, reported with the plugin it came from.
            err.println(InternalErrorReport.report(e, args[0]));
            return INTERNAL_ERROR;
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
