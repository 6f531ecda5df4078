package org.diffusion4j.api;

import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.config.ConfigSpec;

/**
 * Creates components of one kind. Implementations are found with {@link java.util.ServiceLoader}:
 * a plugin module declares {@code provides org.diffusion4j.api.ComponentProvider with ...}.
 *
 * <p>A provider is described completely by its kind, a unique name, a one-line description and a
 * declared config; the launcher prints these ({@code diffusion4j describe sampler fm.euler}) and
 * validates every option against the declaration before {@link #create} is called.
 *
 * <p>The SPI version a plugin was built against is declared in its jar manifest,
 * {@code Diffusion4j-Spi-Version: 1.4} (the build of the built-in plugins writes it); the runtime
 * refuses a plugin whose version it does not accept ({@link SpiVersion#accepts}).
 *
 * @param <T> the component interface of {@link #kind()}
 */
public interface ComponentProvider<T> {

    /** The kind of component this provider creates. */
    Kind kind();

    /** Unique name, lower case with dots and dashes ({@code flow-matching.euler}). */
    String name();

    /** One line that says what the component is and where it comes from. */
    String description();

    /** The options {@link #create} accepts, with types, defaults and ranges. */
    ConfigSpec config();

    /**
     * Creates the component from a config already validated against {@link #config()}.
     *
     * @param config  resolved options
     * @param context what the component may need from the run (data dimension, backend)
     */
    T create(Config config, ComponentContext context);

    /** Version of the component itself, recorded in manifests. */
    default String version() {
        return "1.0";
    }
}
