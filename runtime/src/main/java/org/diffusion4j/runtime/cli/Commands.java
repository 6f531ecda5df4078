package org.diffusion4j.runtime.cli;

import static org.diffusion4j.runtime.cli.LauncherOptions.plugins;
import static org.diffusion4j.runtime.cli.LauncherOptions.registryOnly;

import java.io.PrintStream;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.diffusion4j.api.Kind;
import org.diffusion4j.api.config.ConfigSpec;
import org.diffusion4j.api.config.OptionSpec;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.engine.Settings;
import org.diffusion4j.runtime.plugin.ComponentEntry;
import org.diffusion4j.runtime.plugin.PluginManager;

/** The launcher's commands. */
final class Commands {

    private final PrintStream out;
    private final PrintStream err;

    private Commands(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static List<Main.Command> all(PrintStream out, PrintStream err) {
        Commands c = new Commands(out, err);
        return List.of(
                command("list", "list the components of every plugin (optionally of one KIND)", c::list),
                command("describe", "describe KIND NAME: what a component is and its options", c::describe),
                command("train", "train a pipeline spec; --resume continues a run from its last checkpoint", new TrainCommand(out, err)::train),
                command("sample", "draw samples from a trained checkpoint", new SampleCommand(out, err)::sample),
                command("invert", "the latents of data under a deterministic sampler (DDIM eta 0, the ODE samplers), as a file",
                        new InvertCommand(out, err)::run),
                command("interpolate", "K samples along a slerp or straight path between two latents or two inverted data points",
                        new InterpolateCommand(out, err)::run),
                command("eval", "score samples against held-out data (metrics), or a checkpoint by its likelihoods (nats, bits/dim)", new EvalCommand(out, err)::eval),
                command("export", "write a split of a dataset, or of a run's data (--checkpoint), as .csv or .npy",
                        new ExportCommand(out, err)::run),
                command("plot", "draw sample files (scatter beside held-out data, image grid) or a run's losses.csv",
                        new PlotCommand(out, err)::run),
                command("quickstart", "train, sample, evaluate and plot the flow-matching example (seed 000)",
                        new QuickstartCommand(out, err)::quickstart),
                command("bench", "time the speed workloads (GEMM, training steps, sampling, the U-Net) beside PyTorch",
                        new org.diffusion4j.runtime.bench.BenchCommand(out, err)::run),
                command("sweep", "vary a sampler's options over rows x columns and score each cell (the DDIM eta x S table)",
                        new SweepCommand(out, err)::run),
                command("classifier", "train the image classifier whose features the frechet and kid metrics use",
                        new ClassifierCommand(out, err)::run));
    }

    interface Body {
        int run(String[] args) throws Exception;
    }

    private static Main.Command command(String name, String summary, Body body) {
        return new Main.Command() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return summary;
            }

            @Override
            public int run(String[] args) throws Exception {
                return body.run(args);
            }
        };
    }

    // ------------------------------------------------------------------ options

    private CommandLine parse(String name, String argsSyntax, Options options, String[] args) throws ParseException {
        return LauncherOptions.parse(out, name, argsSyntax, options, args);
    }

    // ------------------------------------------------------------------ list / describe

    private int list(String[] args) throws Exception {
        CommandLine cl = parse("list", "[KIND]", registryOnly(), args);
        if (cl == null) {
            return 0;
        }
        PluginManager pm = plugins(cl);
        List<Kind> kinds = cl.getArgList().isEmpty() ? List.of(Kind.values()) : List.of(Kind.parse(cl.getArgList().get(0)));
        for (Kind k : kinds) {
            out.println(k.id() + ":");
            for (ComponentEntry e : pm.registry().list(k)) {
                out.printf("  %-28s %s  [%s]%n", e.provider().name(), e.provider().description(), e.plugin());
            }
        }
        if (cl.getArgList().isEmpty()) {
            out.println("backends:");
            pm.backends().forEach(b -> out.printf("  %-28s %s%s%n", b.name(), b.description(),
                    b.available() ? "" : " (not available here)"));
        }
        return 0;
    }

    private int describe(String[] args) throws Exception {
        CommandLine cl = parse("describe", "KIND NAME", registryOnly(), args);
        if (cl == null) {
            return 0;
        }
        if (cl.getArgList().size() != 2) {
            throw new UserException("describe needs KIND and NAME, e.g. 'describe sampler flow-matching.euler'; kinds: "
                    + Kind.allIds() + ", and 'settings training|sampling'");
        }
        String kind = cl.getArgList().get(0);
        String name = cl.getArgList().get(1);
        if (kind.equals("settings")) {
            ConfigSpec spec = switch (name) {
                case "training" -> Settings.TRAINING;
                case "sampling" -> Settings.SAMPLING;
                default -> throw new UserException("unknown settings section '" + name + "'; known: training, sampling");
            };
            out.println(name + " settings (spec section '" + name + "'):");
            printOptions(spec);
            return 0;
        }
        ComponentEntry e = plugins(cl).registry().find(Kind.parse(kind), name);
        out.println(e.provider().kind().id() + " " + e.provider().name() + " (plugin " + e.plugin() + ", version "
                + e.provider().version() + ")");
        out.println("  " + e.provider().description());
        printOptions(e.provider().config());
        return 0;
    }

    private void printOptions(ConfigSpec spec) {
        if (spec.options().isEmpty()) {
            out.println("options: none");
            return;
        }
        out.println("options:");
        for (OptionSpec o : spec.options()) {
            out.printf("  %-18s %-8s default %-10s %s; %s%n", o.name(), o.type().id(),
                    o.required() ? "(required)" : String.valueOf(o.defaultValue()), o.description(), o.allowed());
        }
    }

}
