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

    @Test
    void createNewRefusesATargetClaimedWhileItWrote() throws IOException {
        Path target = dir.resolve("samples.csv");
        Throwable thrown = catchThrowable(() -> AtomicFiles.createNew(target, out -> {
            out.write("mine\n".getBytes(StandardCharsets.UTF_8));
            // another process publishes the same output between the up-front check and our publish
            Files.writeString(target, "theirs\n");
        }));
        assertThat(thrown).isInstanceOf(org.diffusion4j.runtime.UserException.class)
                .hasMessageContaining(target.toString())
                .hasMessageContaining("already exists (written by another run meanwhile); nothing was overwritten");
        assertThat(target).hasContent("theirs");
        assertThat(listing(dir)).as("no temporary file left").containsExactly(target);
    }

    @Test
    void createNewWritesAWholeNewFile() throws IOException {
        Path target = dir.resolve("x/out.json");
        AtomicFiles.createNewString(target, "{}\n");
        assertThat(target).hasContent("{}");
        assertThat(listing(target.getParent())).containsExactly(target);
        assertThat(catchThrowable(() -> AtomicFiles.createNewString(target, "other")))
                .isInstanceOf(org.diffusion4j.runtime.UserException.class);
        assertThat(target).hasContent("{}");
    }

    @Test
    void ofWritersRacingForOneOutputExactlyOneWinsAndTheFileIsWhole() throws Exception {
        Path target = dir.resolve("raced.bin");
        int writers = 8;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
        java.util.concurrent.atomic.AtomicInteger won = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new java.util.ArrayList<>();
        for (int w = 0; w < writers; w++) {
            byte fill = (byte) (w + 1);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    AtomicFiles.createNew(target, out -> {
                        for (int k = 0; k < 64; k++) {
                            out.write(filled(fill));
                        }
                    });
                    won.incrementAndGet();
                } catch (org.diffusion4j.runtime.UserException e) {
                    refused.incrementAndGet();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(won.get()).isEqualTo(1);
        assertThat(refused.get()).isEqualTo(writers - 1);
        byte[] content = Files.readAllBytes(target);
        assertThat(content).hasSize(64 * 4096);
        for (byte b : content) {
            assertThat(b).as("one writer's bytes only").isEqualTo(content[0]);
        }
        assertThat(listing(dir)).containsExactly(target);
    }

    private static byte[] filled(byte b) {
        byte[] a = new byte[4096];
        java.util.Arrays.fill(a, b);
        return a;
    }

    @Test
    void staleTemporaryFilesOfTheNamedFilesAreRemovedAndNothingElse() throws IOException {
        for (String n : List.of(".checkpoint.safetensors.1f3a9c.tmp", ".manifest.json.961fbf313b7e956c.tmp",
                ".other.ab.tmp", "checkpoint.safetensors", ".checkpoint.safetensors.xyz.tmp", "manifest.json.ab.tmp")) {
            Files.writeString(dir.resolve(n), "x");
        }
        List<String> removed = AtomicFiles.removeStaleTemps(dir, List.of("checkpoint.safetensors", "manifest.json"));
        assertThat(removed).containsExactly(".checkpoint.safetensors.1f3a9c.tmp", ".manifest.json.961fbf313b7e956c.tmp");
        assertThat(listing(dir).stream().map(p -> p.getFileName().toString()).toList()).containsExactly(
                ".checkpoint.safetensors.xyz.tmp", ".other.ab.tmp", "checkpoint.safetensors", "manifest.json.ab.tmp");
    }

    @Test
    void aFileOnTheOutputPathIsFoundBeforeAnyWork() throws IOException {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        assertThat(catchThrowable(() -> AtomicFiles.requireWritableFolder("--out afile/x/s.csv", file.resolve("x"))))
                .isInstanceOf(org.diffusion4j.runtime.UserException.class)
                .hasMessageContaining("--out afile/x/s.csv").hasMessageContaining("is a file, not a folder");
        AtomicFiles.requireWritableFolder("--out ok", dir.resolve("missing/folders"));
        assertThat(dir.resolve("missing")).as("nothing created by the check").doesNotExist();
        assertThat(listing(dir)).containsExactly(file);
    }

    private static List<Path> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}
