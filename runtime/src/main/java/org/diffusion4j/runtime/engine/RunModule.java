package org.diffusion4j.runtime.engine;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.ProvisionException;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffusion4j.api.Dataset;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.Likelihood;
import org.diffusion4j.api.Loss;
import org.diffusion4j.api.Metric;
import org.diffusion4j.api.Model;
import org.diffusion4j.api.Network;
import org.diffusion4j.api.Parameterization;
import org.diffusion4j.api.Prior;
import org.diffusion4j.api.Sampler;
import org.diffusion4j.api.Schedule;
import org.diffusion4j.api.config.ConfigException;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.plugin.Registry;
import org.diffusion4j.runtime.spec.ComponentRef;
import org.diffusion4j.runtime.spec.PipelineSpec;

/**
 * Guice wiring of one run: the backend and registry come from the launcher, every component is
 * resolved by name from the spec, and the run's services (trainer, sampling, evaluation) get them
 * injected. Components are created once per run, in an order that lets each see what it needs
 * (the network needs the data dimension and the loss's extra outputs).
 */
public final class RunModule extends AbstractModule {

    private final PipelineSpec spec;
    private final Registry registry;
    private final Backend backend;

    public RunModule(PipelineSpec spec, Registry registry, Backend backend) {
        this.spec = spec;
        this.registry = registry;
        this.backend = backend;
    }

    /**
     * Assembles the pipeline of a spec. Errors raised while creating a component (unknown name,
     * bad option, unreadable data) are rethrown as they are, not wrapped in Guice's exceptions.
     */
    public static Pipeline assemble(PipelineSpec spec, Registry registry, Backend backend) {
        try {
            return Guice.createInjector(new RunModule(spec, registry, backend)).getInstance(Pipeline.class);
        } catch (ProvisionException | CreationException e) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof RuntimeException && !(cause instanceof ProvisionException))) {
                cause = cause.getCause();
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    @Override
    protected void configure() {
        bind(PipelineSpec.class).toInstance(spec);
        bind(Registry.class).toInstance(registry);
        bind(Backend.class).toInstance(backend);
    }

    @Provides
    @Singleton
    Components components() {
        return new Components(registry, backend, spec.seed());
    }

    @Provides
    @Singleton
    Dataset dataset(Components c) {
        return c.create(Kind.DATASET, "dataset", spec.component("dataset"), 0, 0);
    }

    @Provides
    @Singleton
    Schedule schedule(Components c, Dataset d) {
        return c.create(Kind.SCHEDULE, "schedule", spec.component("schedule"), d.dimension(), 0);
    }

    @Provides
    @Singleton
    Parameterization parameterization(Components c, Dataset d) {
        return c.create(Kind.PARAMETERIZATION, "parameterization", spec.component("parameterization"), d.dimension(), 0);
    }

    @Provides
    @Singleton
    Loss loss(Components c, Dataset d) {
        // the sample's shape, so a loss can tell images (DiNof's bits/dim figure) from points
        return c.create(Kind.LOSS, "loss", spec.component("loss"), d.sampleShape(), d.labelCount(), 0);
    }

    @Provides
    @Singleton
    Network network(Components c, Dataset d, Loss loss) {
        return c.create(Kind.NETWORK, "network", spec.component("network"), d.sampleShape(), d.labelCount(),
                loss.extraOutputs());
    }

    @Provides
    @Singleton
    Model model(Network n, Schedule s, Parameterization p, Dataset d) {
        // Samplers and losses work on flat per-sample rows; the network sees the data's own shape.
        return new Model(n.overFlatSamples(d.sampleShape()), s, p);
    }

    @Provides
    @Singleton
    Prior prior(Components c, Dataset d, Model model) {
        if (!spec.has("prior")) {
            return Prior.gaussian();
        }
        Prior prior = c.create(Kind.PRIOR, "prior", spec.component("prior"), d.dimension(), 0);
        String refusal = prior.refuse(model);
        if (refusal != null) {
            throw new ConfigException("prior '" + spec.component("prior").name() + "' cannot start this model: " + refusal);
        }
        return prior;
    }

    @Provides
    @Singleton
    Pipeline pipeline(Components c, Dataset d, Model model, Loss loss, Prior prior) {
        // Samplers see the schedule ending where the prior starts, and are checked against that.
        Model started = Sampling.startingAt(model, prior);
        Map<String, Sampler> samplers = new LinkedHashMap<>();
        for (Map.Entry<String, ComponentRef> e : spec.samplers().entrySet()) {
            Sampler s = c.create(Kind.SAMPLER, "sampler " + e.getKey(), e.getValue(), d.dimension(), 0);
            String refusal = s.refuse(started);
            if (refusal != null) {
                throw new ConfigException("sampler '" + e.getValue().name() + "' cannot sample this model: " + refusal);
            }
            samplers.put(e.getKey(), s);
        }
        Map<String, Metric> metrics = new LinkedHashMap<>();
        for (String m : spec.metrics()) {
            metrics.put(m, c.create(Kind.METRIC, "metric " + m, new ComponentRef("metrics", m, Map.of()),
                    d.dimension(), 0));
        }
        Map<String, Likelihood> likelihoods = new LinkedHashMap<>();
        for (Map.Entry<String, ComponentRef> e : spec.likelihoods().entrySet()) {
            Likelihood l = c.create(Kind.LIKELIHOOD, "likelihood " + e.getKey(), e.getValue(), d.sampleShape(),
                    d.labelCount(), 0);
            String refusal = l.refuse(model);
            if (refusal != null) {
                throw new ConfigException("likelihood '" + e.getValue().name() + "' cannot evaluate this model: " + refusal);
            }
            likelihoods.put(e.getKey(), l);
        }
        return new Pipeline(spec, backend, d, model, loss, samplers, metrics, likelihoods,
                Settings.training(spec.settings("training")), Settings.sampling(spec.settings("sampling")), c, prior);
    }
}
