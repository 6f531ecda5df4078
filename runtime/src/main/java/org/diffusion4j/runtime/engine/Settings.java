package org.diffusion4j.runtime.engine;

import java.util.List;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * The declared options of the spec's {@code training} and {@code sampling} sections. They are
 * validated like component options: an unknown key or an out-of-range value is an error.
 */
public final class Settings {

    private Settings() {
    }

    /** Options of {@code training}. */
    public static final ConfigSpec TRAINING = ConfigSpec.builder()
            .choice("optimizer", "adam", List.of("adam", "adamw"),
                    "Adam (Kingma and Ba 2015) or AdamW with decoupled weight decay (Loshchilov and Hutter 2019)")
            .number("lr", 1e-3, 0.0, 10.0, "learning rate")
            .number("beta1", 0.9, 0.0, 0.999999, "Adam β1")
            .number("beta2", 0.999, 0.0, 0.999999999, "Adam β2")
            .number("eps", 1e-8, 0.0, 1.0, "Adam ε")
            .number("weight-decay", 0.0, 0.0, 1.0, "decoupled weight decay (adamw only)")
            .integer("batch-size", 512, 1, 1 << 20, "examples per step")
            .integer("epochs", 200, 0, 10_000_000, "passes over the training set (used when steps = 0)")
            .integer("steps", 0, 0, 100_000_000, "optimiser steps; 0 = epochs × ⌈count / batch-size⌉")
            .number("ema-decay", 0.999, 0.0, 1.0, "decay of the exponential moving average of the weights, warmed up as min(decay, (1+k)/(10+k)) at step k")
            .number("grad-clip", 0.0, 0.0, 1e9, "clip the global gradient norm to this value; 0 = off")
            .number("label-dropout", 0.1, 0.0, 1.0, "class-conditional networks: share of training labels replaced by the null label, so one network learns p(x|y) and p(x) (Ho and Salimans 2022, §3.2)")
            .integer("checkpoint-every", 1000, 1, 100_000_000, "steps between checkpoints (one is always written at the end)")
            .build();

    /** Options of {@code sampling}. */
    public static final ConfigSpec SAMPLING = ConfigSpec.builder()
            .integer("count", 10_000, 1, 100_000_000, "number of samples")
            .integer("batch-size", 10_000, 1, 100_000_000, "samples generated at once (results do not depend on it)")
            .choice("weights", "model", List.of("model", "ema"), "sample with the trained weights or their EMA")
            .build();

    public static Config training(java.util.Map<String, ?> raw) {
        return TRAINING.resolve("training", raw);
    }

    public static Config sampling(java.util.Map<String, ?> raw) {
        return SAMPLING.resolve("sampling", raw);
    }
}
