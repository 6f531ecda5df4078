package org.diffusion4j.runtime.spec;

import java.util.Map;

/**
 * A component named in a pipeline spec: {@code {name: flow-matching.euler, steps: 100}}.
 *
 * @param section where it was named ({@code sampler ode}), for messages
 * @param name    provider name
 * @param options raw option values (validated when the component is created)
 */
public record ComponentRef(String section, String name, Map<String, Object> options) {

    public ComponentRef {
        options = Map.copyOf(options);
    }
}
