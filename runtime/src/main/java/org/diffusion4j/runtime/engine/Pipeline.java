package org.diffusion4j.runtime.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.config.Config;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * The components of one run, assembled from a spec (by {@link RunModule}).
 *
 * @param spec       the spec as given (after overrides)
 * @param backend    owner of every tensor
 * @param dataset    training and held-out data
 * @param model      network + schedule + parameterization
 * @param loss       training objective
 * @param samplers   samplers by label, in spec order
 * @param metrics    metrics by name
 * @param likelihoods likelihoods by label, in spec order
 * @param training   resolved training settings
 * @param sampling   resolved sampling settings
 * @param components providers and resolved configs, for the manifest
 * @param prior      what sampling starts from (the spec's {@code prior}, else the Gaussian at tMax)
 */
public record Pipeline(PipelineSpec spec, Backend backend, Dataset dataset, Model model, Loss loss,
                       Map<String, Sampler> samplers, Map<String, Metric> metrics,
                       Map<String, Likelihood> likelihoods, Config training, Config sampling,
                       Components components, Prior prior) {

    public Pipeline {
        samplers = new LinkedHashMap<>(samplers);
        metrics = new LinkedHashMap<>(metrics);
        likelihoods = new LinkedHashMap<>(likelihoods);
    }

    /** A pipeline that starts sampling from the Gaussian prior. */
    public Pipeline(PipelineSpec spec, Backend backend, Dataset dataset, Model model, Loss loss,
                    Map<String, Sampler> samplers, Map<String, Metric> metrics, Map<String, Likelihood> likelihoods,
                    Config training, Config sampling, Components components) {
        this(spec, backend, dataset, model, loss, samplers, metrics, likelihoods, training, sampling, components,
                Prior.gaussian());
    }
}
