package org.diffusion4j.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void writesANewFileCreatingItsFolders() throws IOException {
        Path target = dir.resolve("a/b/c/out.txt");
        AtomicFiles.writeString(target, "héllo\n");
        assertThat(target).hasContent("héllo\n");
        assertThat(Files.readAllBytes(target)).containsExactly("héllo\n".getBytes(StandardCharsets.UTF_8));
        assertThat(listing(target.getParent())).containsExactly(target);
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old content that is longer than the new one");
        AtomicFiles.writeBytes(target, new byte[] {1, 2, 3});
        assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
        assertThat(listing(dir)).containsExactly(target);
    }

    @Test
    void largeStreamedContentArrivesWhole() throws IOException {
        Path target = dir.resolve("big.bin");
        AtomicFiles.write(target, out -> {
            for (int i = 0; i < 300_000; i++) {
                out.write(i & 0xff);
            }
            out.write(new byte[70_000]);
        });
        byte[] bytes = Files.readAllBytes(target);
        assertThat(bytes).hasSize(370_000);
        assertThat(bytes[299_999]).isEqualTo((byte) (299_999 & 0xff));
    }

    @Test
    void aWriterThatClosesTheStreamIsFine() throws IOException {
        Path target = dir.resolve("closed.txt");
        AtomicFiles.write(target, out -> {
            try (out) {
                out.write('x');
            }
        });
        assertThat(target).hasContent("x");
    }

    @Test
    void failingWriterLeavesTheOldContentAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("checkpoint.safetensors");
        Files.writeString(target, "previous checkpoint");
        IOException failure = new IOException("disk full");

        Throwable thrown = catchThrowable(() -> AtomicFiles.write(target, out -> {
            out.write(new byte[200_000]); // more than the buffer: part of it reached the temporary file
            throw failure;
        }));

        assertThat(thrown).isSameAs(failure);
        assertThat(target).hasContent("previous checkpoint");
        assertThat(listing(dir)).containsExactly(target);
    }

    @Test
    void runtimeExceptionFromTheWriterPropagatesUnchangedAndCleansUp() throws IOException {
        Path target = dir.resolve("sub/new.txt");
        IllegalStateException failure = new IllegalStateException("boom");

        Throwable thrown = catchThrowable(() -> AtomicFiles.write(target, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw failure;
        }));

        assertThat(thrown).isSameAs(failure);
        assertThat(target).doesNotExist();
        assertThat(listing(target.getParent())).isEmpty();
    }

    @Test
    void failedRenameLeavesTheTargetAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("occupied");
        Files.createDirectories(target);
        Files.writeString(target.resolve("inside.txt"), "keep");

        Throwable thrown = catchThrowable(() -> AtomicFiles.writeString(target, "text"));

        assertThat(thrown).isInstanceOf(IOException.class);
        assertThat(target.resolve("inside.txt")).hasContent("keep");
        assertThat(listing(dir)).containsExactly(target);
    }

    @Test
    void relativeTargetsWork() throws IOException {
        Path relative = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.txt"));
        AtomicFiles.writeString(relative, "r");
        assertThat(dir.resolve("rel.txt")).hasContent("r");
    }

    private static List<Path> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}
