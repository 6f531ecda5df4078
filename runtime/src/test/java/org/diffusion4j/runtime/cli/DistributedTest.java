package org.diffusion4j.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code --spark} splits a run's samples: contiguous ranges of whole batches covering every sample once. */
class DistributedTest {

    @Test
    void rangesAreWholeBatchesCoveringTheRunOnce() {
        for (int count : new int[]{1, 7, 100, 700, 701, 1000}) {
            for (int batch : new int[]{1, 3, 100, 1000}) {
                for (int parts : new int[]{1, 2, 3, 7, 50}) {
                    List<int[]> ranges = Distributed.batchRanges(count, batch, parts);
                    int batches = (count + batch - 1) / batch;
                    assertThat(ranges).hasSize(Math.min(parts, batches));
                    int next = 0;
                    int largest = 0;
                    int smallest = Integer.MAX_VALUE;
                    for (int[] r : ranges) {
                        assertThat(r[0]).isEqualTo(next);
                        assertThat(r[0] % batch).as("a range starts a batch").isZero();
                        assertThat(r[1]).isGreaterThan(r[0]);
                        int taken = (r[1] - r[0] + batch - 1) / batch;
                        largest = Math.max(largest, taken);
                        smallest = Math.min(smallest, taken);
                        next = r[1];
                    }
                    assertThat(next).isEqualTo(count);
                    assertThat(largest - smallest).as("batches per task differ by at most one").isLessThanOrEqualTo(1);
                }
            }
        }
    }

    @Test
    void resultsCarryTheirValuesExactly() {
        float[] v = {1.5f, -0f, Float.MIN_VALUE, 3.4e38f, Float.NaN};
        byte[] r = Distributed.encode(new long[]{7_000_000_000L, 1_000_000L, 2_500_000_000L}, v);
        assertThat(Distributed.values(r)).containsExactly(v);
        assertThat(Distributed.computeSeconds(r)).isEqualTo(2.5);
    }
}
