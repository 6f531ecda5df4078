package org.diffusion4j.api;

import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.api.config.ConfigException;

/**
 * What the DDPM ancestral sampler and DDIM share: S steps over a sub-sequence of the training times
 * chosen by a named {@link Spacing}, each step one {@link PosteriorChain} step with optional x̂0
 * {@link X0Clipping}. A subclass says only which noise its steps add ({@link #chainVariance()},
 * {@link #eta()}).
 */
public abstract class StridedPosteriorSampler implements Sampler {

    private final String name;
    private final int steps;
    private final Spacing spacing;
    private final X0Clipping clipping;

    protected StridedPosteriorSampler(String name, int steps, Spacing spacing, X0Clipping clipping) {
        if (steps < 1) {
            throw new ConfigException(name + ": steps must be at least 1, got " + steps);
        }
        this.name = name;
        this.steps = steps;
        this.spacing = spacing;
        this.clipping = clipping;
    }

    /** The noise variance of every step. */
    protected abstract PosteriorChain.Variance chainVariance();

    /** η of {@link PosteriorChain.Variance#ETA}; ignored by the other variances. */
    protected double eta() {
        return 0;
    }

    public int steps() {
        return steps;
    }

    public Spacing spacing() {
        return spacing;
    }

    public X0Clipping clipping() {
        return clipping;
    }

    /** The grid this sampler visits for a model's schedule: S chosen training times, descending, and tMin. */
    public TimeGrid grid(Model model) {
        try {
            return spacing.grid(model.schedule(), steps);
        } catch (ConfigException e) {
            throw new ConfigException(name + ": " + e.getMessage() + " for schedule " + model.schedule(), e);
        }
    }

    @Override
    public Tensor sample(Model model, Tensor xStart, NoiseStreams noise, StepListener listener) {
        String why = refuse(model);
        if (why != null) {
            throw new ConfigException(why);
        }
        return PosteriorChain.run(name, model, grid(model), chainVariance(), eta(), clipping, xStart, noise, listener);
    }

    @Override
    public String refuse(Model model) {
        TimeGrid grid;
        try {
            grid = grid(model);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        return PosteriorChain.refuse(name, model, grid);
    }
}
