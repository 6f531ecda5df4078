package org.diffusion4j.api.nn;

import java.util.List;
import org.diffusion4j.api.tensor.Tensor;

/** Layers applied in order; parameters are named by position ({@code 0.weight}). */
public final class Sequential extends Layer {

    private final List<Layer> layers;

    public Sequential(List<? extends Layer> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) {
            child(Integer.toString(i), this.layers.get(i));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Layer l : layers) {
            h = l.forward(h);
        }
        return h;
    }
}
