package org.diffusion4j.api.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.api.PointSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PointFilesTest {

    @Test
    void npyRoundTripsEveryBitAndHasAnAlignedHeader(@TempDir Path dir) throws Exception {
        float[] v = {0f, -1.5f, Float.MIN_VALUE, 3.25e7f, -0f, 1f / 3};
        PointSet points = new PointSet(3, v);
        byte[] npy = PointFiles.toNpy(points);
        // The .npy spec pads the header so the data start on a 64-byte boundary.
        assertThat((npy.length - 4 * v.length) % 64).isZero();
        Path file = Files.write(dir.resolve("p.npy"), npy);
        PointSet back = PointFiles.read(file);
        assertThat(back.dimension()).isEqualTo(3);
        assertThat(back.values()).containsExactly(v);
    }
}
