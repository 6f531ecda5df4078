package org.diffusion4j.runtime.spec;

import java.util.Map;
import java.util.Set;

/**
 * A component named in a pipeline spec: {@code {name: flow-matching.euler, steps: 100}}.
 *
 * @param section where it was named ({@code sampler ode}), for messages
 * @param name    provider name
 * @param options raw option values (validated when the component is created)
 * @param given   the options the user gave (all of them in a spec as written; in a checkpoint's
 *                resolved spec only those set now with {@code --set}), for refusing an option that has
 *                no effect ({@link org.diffusion4j.api.config.Config#given})
 */
public record ComponentRef(String section, String name, Map<String, Object> options, Set<String> given) {

    public ComponentRef {
        options = Map.copyOf(options);
        given = Set.copyOf(given);
    }

    /** A component whose options were all given. */
    public ComponentRef(String section, String name, Map<String, Object> options) {
        this(section, name, options, options.keySet());
    }
}
