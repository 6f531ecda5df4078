package org.diffusion4j.plugin.imagedata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.Split;
import org.junit.jupiter.api.Test;

/** The real Fashion-MNIST files, where Debian's dataset-fashion-mnist is installed; skipped elsewhere. */
class FashionMnistTest {

    private static Dataset real() {
        Path dir = Path.of(FashionMnistProvider.DEFAULT_DIR);
        assumeThat(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")))
                .as("Fashion-MNIST installed in %s (apt install dataset-fashion-mnist)", dir).isTrue();
        FashionMnistProvider p = new FashionMnistProvider();
        return p.create(p.config().resolve(p.name(), Map.of()), null);
    }

    @Test
    void theTrainSplitHasSixtyThousandBalancedImages() {
        Dataset d = real();
        assertThat(d.sampleShape()).containsExactly(1, 28, 28);
        assertThat(d.dimension()).isEqualTo(784);
        assertThat(d.labelCount()).isEqualTo(10);
        assertThat(d.classNames()).as("Xiao et al. 2017, Table 1").hasSize(10).startsWith("T-shirt/top", "Trouser")
                .endsWith("Bag", "Ankle boot");
        PointSet train = d.load(Split.TRAIN);
        assertThat(train.count()).isEqualTo(60_000);
        assertThat(train.sampleShape()).containsExactly(1, 28, 28);
        int[] perClass = new int[10];
        for (int l : train.labels()) {
            perClass[l]++;
        }
        assertThat(perClass).containsOnly(6_000);
        float[] v = train.values();
        double sum = 0;
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float x : v) {
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double mean = sum / v.length;
        // the mean pixel of Fashion-MNIST is 72.94/255 ≈ 0.286, i.e. ≈ −0.428 on [−1, 1]
        assertThat(mean).isBetween(-0.45, -0.40);
        assertThat(min).isEqualTo(-1f);
        assertThat(max).isEqualTo(1f);
    }

    @Test
    void theHeldOutHalvesHaveFiveThousandImagesEach() {
        Dataset d = real();
        PointSet test = d.load(Split.TEST);
        PointSet reference = d.load(Split.REFERENCE);
        assertThat(test.count()).isEqualTo(5_000);
        assertThat(reference.count()).isEqualTo(5_000);
        assertThat(test.values()).isNotEqualTo(reference.values());
        int[] perClass = new int[10];
        for (int l : test.labels()) {
            perClass[l]++;
        }
        // t10k holds 1,000 of each class, not sorted by class: each half holds several hundred of each
        for (int n : perClass) {
            assertThat(n).isBetween(400, 600);
        }
    }
}
