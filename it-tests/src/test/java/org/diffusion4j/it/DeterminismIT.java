package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sampling is a function of checkpoint, spec and seed only: the same command twice gives the same
 * bytes, and sample k is the same whatever the batch size, the sample count and the thread count
 * (one seeded noise stream per sample).
 */
class DeterminismIT {

    static final int COUNT = 1000;

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path run;

    @BeforeAll
    static void trainATinyRun() {
        d4j = new Launcher(Distribution.copyTo(tmp), tmp.resolve("work"));
        Path spec = Specs.write(tmp.resolve("work").resolve("tiny.yaml"), Specs.tiny(300, 100, COUNT));
        run = tmp.resolve("work").resolve("run");
        Checks.succeeded(d4j.run("train", "--spec", spec.toString(), "--out", run.toString()));
    }

    private static Path sample(String name, String... extra) {
        Path out = tmp.resolve("work").resolve(name + ".csv");
        List<String> args = new java.util.ArrayList<>(List.of("sample", "--checkpoint", run.toString(), "--out",
                out.toString()));
        args.addAll(List.of(extra));
        Checks.succeeded(d4j.run(args.toArray(String[]::new)));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ode", "sde"})
    void sameCheckpointSampledTwiceGivesIdenticalFiles(String sampler) {
        Path first = sample(sampler + "-first", "--sampler", sampler);
        Path second = sample(sampler + "-second", "--sampler", sampler);
        Checks.pointsCsv(first, COUNT);
        assertThat(Checks.bytes(second)).as("%s sampled twice", sampler).isEqualTo(Checks.bytes(first));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ode", "sde"})
    void sampleKDoesNotDependOnTheBatchSize(String sampler) {
        Path whole = sample(sampler + "-batch-10000", "--sampler", sampler, "--set", "sampling.batch-size=10000");
        Path batched = sample(sampler + "-batch-333", "--sampler", sampler, "--set", "sampling.batch-size=333");
        Checks.pointsCsv(batched, COUNT);
        assertThat(Checks.bytes(batched)).as("%s with batch size 333 vs 10000", sampler).isEqualTo(Checks.bytes(whole));
    }

    @Test
    void sampleKDoesNotDependOnTheThreadCount() {
        Path one = sample("sde-threads-1", "--sampler", "sde", "--threads", "1");
        Path three = sample("sde-threads-3", "--sampler", "sde", "--threads", "3");
        assertThat(Checks.bytes(three)).as("sde on 3 threads vs 1").isEqualTo(Checks.bytes(one));
    }

    @Test
    void sampleKDoesNotDependOnTheSampleCount() {
        List<String> all = Checks.pointsCsv(sample("sde-count-1000", "--sampler", "sde"), COUNT);
        List<String> fewer = Checks.pointsCsv(sample("sde-count-250", "--sampler", "sde", "--set", "sampling.count=250"),
                250);
        assertThat(fewer).as("the first 250 of 1000 samples are the 250 samples").isEqualTo(all.subList(0, 251));
    }

    @Test
    void anotherSeedGivesOtherSamples() {
        // the comparisons above are meaningful: the samples do depend on the seed
        Path a = sample("sde-seed-default", "--sampler", "sde");
        Path b = sample("sde-seed-8", "--sampler", "sde", "--set", "seed=8");
        assertThat(Checks.bytes(b)).isNotEqualTo(Checks.bytes(a));
    }
}
