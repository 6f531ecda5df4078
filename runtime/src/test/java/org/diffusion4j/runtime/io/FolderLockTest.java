package org.diffusion4j.runtime.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.runtime.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderLockTest {

    @TempDir
    Path dir;

    @Test
    void aHeldFolderIsRefusedAndFreeAgainOnceReleased() throws Exception {
        Path run = dir.resolve("runs/a");
        try (FolderLock held = FolderLock.acquire(run)) {
            assertThat(run.resolve(FolderLock.FILE)).exists();
            Throwable second = catchThrowable(() -> FolderLock.acquire(run));
            assertThat(second).isInstanceOf(UserException.class).hasMessageContaining(run.toString())
                    .hasMessageContaining("in use by another run")
                    .hasMessageContaining("this process");
        }
        try (FolderLock again = FolderLock.acquire(run)) {
            assertThat(again).isNotNull();
        }
    }

    @Test
    void aLeftoverLockFileDoesNotBlock() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(FolderLock.FILE), "12345\n");   // as a killed run leaves it
        try (FolderLock held = FolderLock.acquire(dir)) {
            assertThat(dir.resolve(FolderLock.FILE)).content().isEqualToIgnoringNewLines(
                    Long.toString(ProcessHandle.current().pid()));
        }
    }
}
