package org.diffusion4j.api;

import java.util.Objects;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * The descriptive half of a {@link ComponentProvider}, so a provider class only says what it is in
 * its constructor and implements {@link #create}:
 *
 * <pre>
 * public final class EulerSamplerProvider extends AbstractProvider&lt;Sampler&gt; {
 *     public EulerSamplerProvider() {
 *         super(Kind.SAMPLER, "flow-matching.euler", "Euler ODE solver ...", SPEC);
 *     }
 *     public Sampler create(Config config, ComponentContext context) { ... }
 * }
 * </pre>
 *
 * @param <T> the component interface of the kind
 */
public abstract class AbstractProvider<T> implements ComponentProvider<T> {

    private final Kind kind;
    private final String name;
    private final String description;
    private final ConfigSpec config;

    protected AbstractProvider(Kind kind, String name, String description, ConfigSpec config) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.name = Objects.requireNonNull(name, "name");
        this.description = Objects.requireNonNull(description, "description");
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public final Kind kind() {
        return kind;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final ConfigSpec config() {
        return config;
    }
}
