package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Assertions shared by the tests. */
final class Checks {

    /** Exit status of user errors. */
    static final int USER_ERROR = 2;

    private Checks() {
    }

    /** Exit 0, with the whole output in the failure message otherwise. */
    static Launcher.Result succeeded(Launcher.Result r) {
        assertThat(r.exitCode()).as("the launcher should succeed\n%s", r.describe()).isZero();
        assertThat(r.stderr()).as("no stack trace\n%s", r.describe()).doesNotContain("\tat ");
        return r;
    }

    /**
     * A user error: exit status 2, exactly one non-blank line on stderr that mentions every one of
     * {@code mentions}, and no stack trace.
     */
    static String userError(Launcher.Result r, String... mentions) {
        assertThat(r.exitCode()).as("a user error exits with status 2\n%s", r.describe()).isEqualTo(USER_ERROR);
        assertThat(r.stderr()).as("a user error prints no stack trace\n%s", r.describe())
                .doesNotContain("\tat ")
                .doesNotContain("internal error");
        List<String> lines = r.stderrLines();
        assertThat(lines).as("a user error is ONE line on stderr\n%s", r.describe()).hasSize(1);
        String line = lines.get(0);
        System.out.println("[it] " + String.join(" ", r.command().subList(1, r.command().size())) + "\n     -> exit "
                + r.exitCode() + ": " + line);
        for (String m : mentions) {
            assertThat(line).as("the message should name '%s'\n%s", m, r.describe()).contains(m);
        }
        return line;
    }

    /** The lines of a CSV sample file, checked to be a header {@code x,y} and {@code count} finite points. */
    static List<String> pointsCsv(Path file, int count) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(lines).as("%s", file).isNotEmpty();
        assertThat(lines.get(0).trim()).as("header of %s", file).isEqualTo("x,y");
        List<String> rows = lines.subList(1, lines.size()).stream().filter(l -> !l.isBlank()).toList();
        assertThat(rows).as("data rows of %s", file).hasSize(count);
        for (String row : rows) {
            String[] parts = row.split(",");
            assertThat(parts).as("row '%s' of %s", row, file).hasSize(2);
            for (String p : parts) {
                double v = Double.parseDouble(p.trim());
                assertThat(Double.isFinite(v)).as("row '%s' of %s is finite", row, file).isTrue();
            }
        }
        return lines;
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
