package org.diffusion4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code invert}, {@code interpolate} and {@code sample --latents} of the built launcher, on two tiny
 * 2-D runs (a flow-matching velocity model sampled by Heun's ODE solver, an ε model sampled by DDIM
 * with η = 0) trained for a few hundred steps: inverting points and sampling their latents gives the
 * points back, a path's end frames are the samples of its end latents to the bit, and a sampler that
 * adds noise is refused with the reason and the spec's invertible samplers.
 */
class InvertInterpolateIT {

    @TempDir
    static Path tmp;

    static Launcher d4j;
    static Path work;
    static Path flow;
    static Path ddim;
    static Path points;

    /** Points near and between the two Gaussians at (±4, ±4)-ish, and the origin. */
    static final double[][] POINTS = {{4, 4}, {-4, -4}, {3.5, -4.5}, {0, 0}, {1, 2}};

    @BeforeAll
    static void runs() throws IOException {
        work = tmp.resolve("work");
        d4j = new Launcher(Distribution.copyTo(tmp), work);
        Path flowSpec = Specs.write(work.resolve("flow.yaml"), """
                name: it-invert-flow
                seed: 7
                dataset:          {name: two-gaussians, count: 1000}
                schedule:         {name: flow-matching.linear}
                parameterization: {name: flow-matching.velocity}
                network:          {name: mlp, width: 32, depth: 2}
                loss:             {name: flow-matching.cfm}
                training:         {lr: 0.002, batch-size: 128, steps: 120, checkpoint-every: 120}
                samplers:
                  ode: {name: flow-matching.heun, steps: 50}
                  sde: {name: flow-matching.sde, steps: 20}
                sampling:         {count: 20, batch-size: 10000}
                """);
        Path ddimSpec = Specs.write(work.resolve("ddim.yaml"), """
                name: it-invert-ddim
                seed: 3
                dataset:          {name: two-gaussians, count: 1000}
                schedule:         {name: ddpm.linear}
                parameterization: {name: ddpm.epsilon}
                network:          {name: mlp, width: 32, depth: 2}
                loss:             {name: ddpm.simple}
                training:         {lr: 0.002, batch-size: 128, steps: 120, checkpoint-every: 120}
                samplers:
                  ddim:  {name: ddim, steps: 200}
                  noisy: {name: ddim, steps: 20, eta: 1.0}
                sampling:         {count: 20, batch-size: 10000}
                """);
        flow = work.resolve("flow");
        ddim = work.resolve("ddim");
        Launcher.Running f = d4j.start("train", "--spec", flowSpec.toString(), "--out", flow.toString());
        Launcher.Running d = d4j.start("train", "--spec", ddimSpec.toString(), "--out", ddim.toString());
        Checks.succeeded(f.await(Launcher.DEFAULT_TIMEOUT));
        Checks.succeeded(d.await(Launcher.DEFAULT_TIMEOUT));
        StringBuilder csv = new StringBuilder("x,y\n");
        for (double[] p : POINTS) {
            csv.append(p[0]).append(',').append(p[1]).append('\n');
        }
        points = Specs.write(work.resolve("points.csv"), csv.toString());
    }

    /** The rows of a points CSV as text, header dropped (bit-exact comparison of what was written). */
    private static List<String> rows(Path csv) {
        try {
            return Files.readAllLines(csv).stream().skip(1).filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double[][] values(Path csv) {
        return rows(csv).stream().map(l -> java.util.Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble)
                .toArray()).toArray(double[][]::new);
    }

    private static double maxError(double[][] a, double[][] b) {
        assertThat(a.length).isEqualTo(b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }

    /** invert the points, then sample the latents: the points again, to within {@code tolerance}. */
    private static Path roundTrip(Path run, String name, double tolerance) {
        Path latents = work.resolve(name + "-latents.csv");
        Path back = work.resolve(name + "-back.csv");
        Checks.succeeded(d4j.run("invert", "--checkpoint", run.toString(), "--data", points.toString(),
                "--out", latents.toString()));
        assertThat(work.resolve(name + "-latents.manifest.json")).exists();
        Checks.succeeded(d4j.run("sample", "--checkpoint", run.toString(), "--latents", latents.toString(),
                "--out", back.toString()));
        double[][] z = values(latents);
        double error = maxError(values(back), POINTS);
        System.out.printf("[it] %s: max |x - sample(invert(x))| = %.2e over %d points; latents moved %.2f%n", name,
                error, POINTS.length, maxError(z, POINTS));
        // the latents are not the points (the walk went to t = tMax), and sampling brings them back
        assertThat(maxError(z, POINTS)).isGreaterThan(1);
        assertThat(error).as(name).isLessThan(tolerance);
        return latents;
    }

    @Test
    void flowMatchingInvertThenSampleReconstructsThePointsAndInterpolationEndsAreTheEndSamples() throws IOException {
        Path latents = roundTrip(flow, "flow", 1e-3);
        // refuses to overwrite its output (or half-write anything)
        Checks.userError(d4j.run("invert", "--checkpoint", flow.toString(), "--data", points.toString(), "--out",
                latents.toString()), "already exists", latents.toString());
        // a path between latents 0 and 1: 7 frames, the ends exactly the samples of those two latents
        Path back = work.resolve("flow-back.csv");
        Path path = work.resolve("path.csv");
        Checks.succeeded(d4j.run("interpolate", "--checkpoint", flow.toString(), "--from-latent", latents.toString(),
                "--to-latent", latents.toString(), "--row", "0,1", "--frames", "7", "--out", path.toString()));
        List<String> frames = rows(path);
        assertThat(frames).hasSize(7);
        assertThat(frames.get(0)).isEqualTo(rows(back).get(0));
        assertThat(frames.get(6)).isEqualTo(rows(back).get(1));
        assertThat(Files.size(work.resolve("path.png"))).isPositive();
        assertThat(Files.readString(work.resolve("path.manifest.json"))).contains("\"method\" : \"slerp\"");
        // from data: the ends are inverted first, so the end frames are the points again (to the solver's error)
        Path fromData = work.resolve("path-data.csv");
        Path second = Specs.write(work.resolve("second.csv"), "x,y\n-4,-4\n");
        Checks.succeeded(d4j.run("interpolate", "--checkpoint", flow.toString(), "--from-data", points.toString(),
                "--to-data", second.toString(), "--frames", "4", "--method", "linear", "--out", fromData.toString()));
        double[][] f = values(fromData);
        assertThat(f).hasNumberOfRows(4);
        assertThat(maxError(new double[][]{f[0], f[3]}, new double[][]{POINTS[0], POINTS[1]})).isLessThan(1e-3);
    }

    @Test
    void ddimWithEtaZeroInvertsAndAStochasticSamplerIsRefusedWithTheReason() {
        roundTrip(ddim, "ddim", 0.3);
        String line = Checks.userError(d4j.run("invert", "--checkpoint", ddim.toString(), "--sampler", "noisy",
                "--data", points.toString(), "--out", work.resolve("noisy.csv").toString()),
                "sampler 'noisy' cannot invert", "eta 1.0 adds noise at every step",
                "invertible samplers of this spec: ddim (ddim");
        assertThat(line).doesNotContain("noisy (");
        assertThat(work.resolve("noisy.csv")).doesNotExist();
        Checks.userError(d4j.run("interpolate", "--checkpoint", flow.toString(), "--sampler", "sde", "--from-data",
                points.toString(), "--to-data", points.toString(), "--frames", "3", "--out",
                work.resolve("sde-path.csv").toString()),
                "sampler 'sde' cannot invert", "flow-matching.sde", "invertible samplers of this spec: ode");
    }
}
