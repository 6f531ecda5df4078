package org.diffusion4j.runtime.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.runtime.UserException;

/** Scores point clouds with a pipeline's metrics. */
public final class Evaluation {

    private Evaluation() {
    }

    /** Every metric of {@code samples} against {@code reference}, by metric name. */
    public static Map<String, Double> score(Map<String, Metric> metrics, PointSet samples, PointSet reference) {
        if (samples.dimension() != reference.dimension()) {
            throw new UserException("cannot compare " + samples.dimension() + "-D samples with "
                    + reference.dimension() + "-D reference points");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        metrics.forEach((name, m) -> out.put(name, m.compute(samples, reference)));
        return out;
    }
}
