package org.diffusion4j.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.diffusion4j.runtime.engine.Manifest;

/**
 * The bench table: one row per workload (diffusion4j, the better PyTorch figure over its thread counts,
 * the speed-up ratio, the target, whether it is met), then the memory rows: peak RSS of the quickstart
 * training and heap bytes allocated per training or sampling step (the target: zero in the hot loops).
 */
final class Table {

    /** Allocation per step below this counts as "zero" (the trainer's loss history boxes one Float a step). */
    static final double ALLOC_ZERO_BYTES = 1024;

    private final List<String[]> rows = new ArrayList<>();
    private final ArrayNode json = Manifest.JSON.createArrayNode();

    Table(List<Workload> workloads, JsonNode java, List<JsonNode> torchRuns) {
        for (Workload w : workloads) {
            JsonNode j = java.get(w.id);
            double ours = j.get("value").asDouble();
            JsonNode best = null;
            int bestThreads = 0;
            ObjectNode torchAll = Manifest.JSON.createObjectNode();
            for (JsonNode run : torchRuns) {
                JsonNode r = run.get("results").get(w.id);
                if (r == null || !r.hasNonNull("value")) {
                    continue;
                }
                if (j.has("params") && r.has("params") && j.get("params").asLong() != r.get("params").asLong()) {
                    throw new IllegalStateException(w.id + ": the PyTorch network has " + r.get("params").asLong()
                            + " parameters, diffusion4j's " + j.get("params").asLong() + "; the two sides would not"
                            + " measure the same work");
                }
                torchAll.set("t" + run.get("threads").asInt(), r);
                double v = r.get("value").asDouble();
                if (best == null || (w.measure.higherIsBetter ? v > best.get("value").asDouble()
                        : v < best.get("value").asDouble())) {
                    best = r;
                    bestThreads = run.get("threads").asInt();
                }
            }
            Double theirs = best == null ? null : best.get("value").asDouble();
            Double ratio = theirs == null ? null : w.measure.higherIsBetter ? ours / theirs : theirs / ours;
            Boolean met = ratio == null ? null : ratio >= w.target;
            rows.add(new String[] {w.id, w.measure.label, figure(ours),
                    theirs == null ? "—" : figure(theirs) + " (t" + bestThreads + ")",
                    ratio == null ? "—" : String.format(Locale.ROOT, "%.2f×", ratio),
                    String.format(Locale.ROOT, "≥ %s×", trim(w.target)), met == null ? "—" : met ? "yes" : "NO"});

            ObjectNode e = json.addObject();
            e.put("name", w.id).put("measure", w.measure.label).put("diffusion4j", ours);
            if (theirs != null) {
                e.put("pytorch", theirs).put("pytorch_threads", bestThreads).put("ratio", ratio).put("met", met);
            } else {
                e.putNull("pytorch");
            }
            e.put("target_ratio", w.target);
            e.set("java", j);
            e.set("torch", torchAll);
        }
        for (Workload w : workloads) {
            JsonNode j = java.get(w.id);
            if (w == Workload.SEED_QUICKSTART_TRAIN) {
                JsonNode t = bestOf(w, torchRuns);
                double ours = j.get("peak_rss_mib").asDouble();
                Double theirs = t == null ? null : t.get("peak_rss_mib").asDouble();
                rows.add(new String[] {w.id, "peak RSS MiB", figure(ours), theirs == null ? "—" : figure(theirs),
                        theirs == null ? "—" : String.format(Locale.ROOT, "%.2f×", theirs / ours), "report", "—"});
            }
            if (j.has("alloc_bytes_per_step")) {
                double a = j.get("alloc_bytes_per_step").asDouble();
                rows.add(new String[] {w.id, "alloc B/step", figure(a), "—", "—", "0 (< 1 KiB)",
                        a < ALLOC_ZERO_BYTES ? "yes" : "NO"});
            }
        }
    }

    private static JsonNode bestOf(Workload w, List<JsonNode> torchRuns) {
        JsonNode best = null;
        for (JsonNode run : torchRuns) {
            JsonNode r = run.get("results").get(w.id);
            if (r != null && r.hasNonNull("value") && (best == null || r.get("value").asDouble() < best.get("value").asDouble())) {
                best = r;
            }
        }
        return best;
    }

    ArrayNode json() {
        return json;
    }

    String render() {
        String[] head = {"workload", "measure", "diffusion4j", "PyTorch", "ratio", "target", "met?"};
        StringBuilder sb = new StringBuilder();
        line(sb, head);
        String[] sep = new String[head.length];
        for (int i = 0; i < sep.length; i++) {
            sep[i] = "---";
        }
        line(sb, sep);
        rows.forEach(r -> line(sb, r));
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells) {
        sb.append('|');
        for (String c : cells) {
            sb.append(' ').append(c).append(" |");
        }
        sb.append('\n');
    }

    /** Three significant digits, plain for moderate magnitudes, scientific (5.12e6) for large ones. */
    static String figure(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        if (a >= 1e5) {
            int exp = (int) Math.floor(Math.log10(a));
            return String.format(Locale.ROOT, "%.2fe%d", v / Math.pow(10, exp), exp);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
