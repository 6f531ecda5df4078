package org.diffusion4j.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Which plugin an internal error is charged to, and the log file that holds its stack trace. */
class InternalErrorReportTest {

    private static StackTraceElement frame(String module, String className) {
        return new StackTraceElement(null, module, null, className, "m", className + ".java", 1);
    }

    private static RuntimeException thrownAt(StackTraceElement... frames) {
        RuntimeException e = new IllegalArgumentException("wrong shape [3, 7]");
        e.setStackTrace(frames);
        return e;
    }

    @Test
    void anApiCheckFailedByAPluginIsThePluginsError() {
        RuntimeException e = thrownAt(frame("java.base", "java.util.Objects"),
                frame("org.diffusion4j.api", "org.diffusion4j.api.tensor.Tensor"),
                frame("org.diffusion4j.plugin.ddpm", "org.diffusion4j.plugin.ddpm.HybridLoss"),
                frame("org.diffusion4j.runtime", "org.diffusion4j.runtime.engine.Trainer"));
        assertThat(InternalErrorReport.owner(e)).isEqualTo("plugin org.diffusion4j.plugin.ddpm");
    }

    @Test
    void aThirdPartyModuleOutsideTheBootLayerIsAPlugin() {
        RuntimeException e = thrownAt(frame("thirdparty.buggy", "thirdparty.buggy.BuggyLoss"),
                frame("org.diffusion4j.runtime", "org.diffusion4j.runtime.engine.Trainer"));
        assertThat(InternalErrorReport.owner(e)).isEqualTo("plugin thirdparty.buggy");
    }

    @Test
    void theInnermostCauseDecides() {
        RuntimeException inner = thrownAt(frame("org.diffusion4j.plugin.ncsn", "org.diffusion4j.plugin.ncsn.NcsnLoss"));
        RuntimeException outer = new IllegalStateException("wrapped", inner);
        outer.setStackTrace(new StackTraceElement[]{frame("org.diffusion4j.plugin.ddim", "org.diffusion4j.plugin.ddim.X")});
        assertThat(InternalErrorReport.owner(outer)).isEqualTo("plugin org.diffusion4j.plugin.ncsn");
    }

    @Test
    void withoutAPluginFrameTheRuntimeOrTheApiIsNamed() {
        assertThat(InternalErrorReport.owner(thrownAt(frame("org.diffusion4j.api", "org.diffusion4j.api.tensor.Tensor"),
                frame("org.diffusion4j.runtime", "org.diffusion4j.runtime.backend.Kernels"))))
                .isEqualTo("the runtime");
        assertThat(InternalErrorReport.owner(thrownAt(frame("org.diffusion4j.api", "org.diffusion4j.api.tensor.Tensor"))))
                .isEqualTo("the api");
        // Classes on the class path (as in these tests) are attributed by their package.
        assertThat(InternalErrorReport.owner(thrownAt(frame(null, "org.diffusion4j.runtime.engine.Trainer"))))
                .isEqualTo("the runtime");
        assertThat(InternalErrorReport.owner(thrownAt(frame(null, "org.diffusion4j.plugin.unet.UNetNetwork"),
                frame(null, "org.diffusion4j.runtime.engine.Trainer"))))
                .isEqualTo("plugin org.diffusion4j.plugin.unet");
    }

    @Test
    void theReportIsOneLineNamingALogFileWithTheStackTrace() throws Exception {
        RuntimeException e = new IllegalArgumentException("wrong shape [3, 7]");
        String line = InternalErrorReport.report(e, "train");
        assertThat(line).doesNotContain("\n").startsWith("internal error in ")
                .contains("java.lang.IllegalArgumentException: wrong shape [3, 7]");
        Matcher m = Pattern.compile("the stack trace is in (\\S+)$").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        Path log = Path.of(m.group(1));
        try {
            assertThat(log.getFileName().toString()).matches("diffusion4j-error-\\d{8}-\\d{6}-\\d+\\.log");
            assertThat(Files.readString(log)).contains("java.lang.IllegalArgumentException: wrong shape [3, 7]")
                    .contains("\tat org.diffusion4j.runtime.cli.InternalErrorReportTest");
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
