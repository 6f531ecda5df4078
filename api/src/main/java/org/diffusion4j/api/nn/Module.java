package org.diffusion4j.api.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.tensor.Tensor;

/**
 * A container of named parameters and sub-modules. Parameter names are dotted paths
 * ({@code layers.0.weight}), stable across runs: they are the keys of checkpoint files.
 */
public abstract class Module {

    private final Map<String, Tensor> ownParameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** Registers a trainable parameter. */
    protected final Tensor parameter(String name, Tensor value) {
        if (ownParameters.putIfAbsent(name, value.requiresGrad(true)) != null) {
            throw new IllegalArgumentException("parameter '" + name + "' registered twice");
        }
        return value;
    }

    /** Registers a sub-module whose parameters are listed under {@code name.}. */
    protected final <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null) {
            throw new IllegalArgumentException("module '" + name + "' registered twice");
        }
        return module;
    }

    /** All parameters of this module and its children, by dotted name, in registration order. */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> all = new LinkedHashMap<>(ownParameters);
        children.forEach((prefix, m) -> m.parameters().forEach((n, t) -> all.put(prefix + "." + n, t)));
        return Collections.unmodifiableMap(all);
    }

    /** Number of scalar parameters. */
    public long parameterCount() {
        return parameters().values().stream().mapToLong(Tensor::size).sum();
    }
}
