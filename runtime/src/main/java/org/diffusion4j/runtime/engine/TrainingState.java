package org.diffusion4j.runtime.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Tensor;

/**
 * Everything that evolves during training — weights (inside the network), their EMA, Adam's
 * moments, the step count and the loss history — so that a checkpoint of it lets a killed run
 * continue bit-identically. Random streams are derived from the step index, so they need no state.
 */
public final class TrainingState {

    final Map<String, Tensor> parameters;
    final Map<String, Tensor> ema = new LinkedHashMap<>();
    final Map<String, Tensor> adamM = new LinkedHashMap<>();
    final Map<String, Tensor> adamV = new LinkedHashMap<>();
    final List<Float> losses = new ArrayList<>();
    long step;

    /** Fresh state: EMA equal to the initial weights, zero moments. */
    public TrainingState(Backend backend, Map<String, Tensor> parameters) {
        this.parameters = parameters;
        parameters.forEach((name, p) -> {
            Tensor e = Tensor.zeros(backend, p.shape());
            e.copyFrom(p);
            ema.put(name, e);
            adamM.put(name, Tensor.zeros(backend, p.shape()));
            adamV.put(name, Tensor.zeros(backend, p.shape()));
        });
    }

    public long step() {
        return step;
    }

    public List<Float> losses() {
        return List.copyOf(losses);
    }

    public Map<String, Tensor> ema() {
        return ema;
    }

    public Map<String, Tensor> parameters() {
        return parameters;
    }
}
