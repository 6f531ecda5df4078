package org.diffusion4j.runtime.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.io.SafetensorsFile;
import org.diffusion4j.runtime.spec.PipelineSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    private static Pipeline pipeline(String spec, Backend backend) {
        return RunModule.assemble(PipelineSpec.parse(spec, "test", false), TestComponents.registry(), backend);
    }

    /** Trains to the end, checkpointing like the launcher does; optionally dies after a given step. */
    private static TrainingState train(Pipeline p, Path dir, TrainingState state, long dieAfter) throws Exception {
        int every = p.training().getInt("checkpoint-every");
        new Trainer(p).train(state, s -> {
            if (s.step() % every == 0) {
                Checkpoints.save(dir, p, s);
            }
            if (s.step() == dieAfter) {
                throw new IllegalStateException("killed");
            }
        }, null);
        return state;
    }

    @Test
    void resumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        String spec = TestComponents.spec(60, 20);
        Map<String, float[]> straight;
        List<Float> straightLosses;
        try (Backend one = new JavaBackend(1)) {
            Pipeline p = pipeline(spec, one);
            TrainingState s = train(p, tmp.resolve("a"), new TrainingState(one, p.model().network().parameters()), -1);
            straight = TestComponents.snapshot(s.parameters());
            straightLosses = s.losses();
        }
        Path dir = tmp.resolve("b");
        try (Backend two = new JavaBackend(2)) {
            Pipeline p = pipeline(spec, two);
            TrainingState s = new TrainingState(two, p.model().network().parameters());
            assertThatThrownBy(() -> train(p, dir, s, 47)).hasMessage("killed");
        }
        try (Backend two = new JavaBackend(2)) {
            Pipeline p = pipeline(spec, two);
            TrainingState s = new TrainingState(two, p.model().network().parameters());
            Path file = dir.resolve(Checkpoints.FILE);
            Checkpoints.restore(file, Checkpoints.read(file), s);
            assertThat(s.step()).isEqualTo(40);
            train(p, dir, s, -1);
            assertThat(s.step()).isEqualTo(60);
            Map<String, float[]> resumed = TestComponents.snapshot(s.parameters());
            assertThat(resumed.keySet()).isEqualTo(straight.keySet());
            resumed.forEach((k, v) -> assertThat(v).as(k).isEqualTo(straight.get(k)));
            assertThat(s.losses()).isEqualTo(straightLosses);
        }
    }

    @Test
    void checkpointRoundTripsWeightsEmaMomentsAndProvenance(@TempDir Path tmp) throws Exception {
        try (Backend be = new JavaBackend(2)) {
            Pipeline p = pipeline(TestComponents.spec(30, 30), be);
            TrainingState s = train(p, tmp, new TrainingState(be, p.model().network().parameters()), -1);
            Path file = tmp.resolve(Checkpoints.FILE);
            SafetensorsFile f = Checkpoints.read(file);
            assertThat(f.metadata().get("step")).isEqualTo("30");
            assertThat(f.metadata().get("manifest")).contains("\"seed\" : 4").contains("\"backend\" : \"java\"")
                    .contains("\"plugin\" : \"test\"");
            // The stored spec is resolved: defaults of every option are written out.
            PipelineSpec stored = PipelineSpec.parse(Checkpoints.spec(f), file.toString(), true);
            assertThat(stored.component("network").options()).containsEntry("width", 16);
            assertThat(stored.settings("training")).containsEntry("optimizer", "adam");

            Pipeline fresh = pipeline(TestComponents.spec(30, 30), be);
            TrainingState r = new TrainingState(be, fresh.model().network().parameters());
            Checkpoints.restore(file, f, r);
            TestComponents.snapshot(r.parameters()).forEach((k, v) ->
                    assertThat(v).isEqualTo(s.parameters().get(k).toArray()));
            TestComponents.snapshot(r.ema()).forEach((k, v) -> assertThat(v).isEqualTo(s.ema().get(k).toArray()));
            assertThat(TestComponents.snapshot(r.ema()).get("body.0.weight"))
                    .isNotEqualTo(s.parameters().get("body.0.weight").toArray());
            assertThat(Files.exists(tmp.resolve("manifest.json"))).isTrue();
        }
    }

    @Test
    void aNanLossStopsTrainingAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        try (Backend be = new JavaBackend(1)) {
            Pipeline p = pipeline(TestComponents.spec(40, 10) + "", be);
            Pipeline poisoned = pipeline(TestComponents.spec(40, 10).replace("loss: {name: mse}",
                    "loss: {name: mse, nan-at: 25}"), be);
            TrainingState s = new TrainingState(be, poisoned.model().network().parameters());
            assertThatThrownBy(() -> train(poisoned, tmp, s, -1)).isInstanceOf(UserException.class)
                    .hasMessageContaining("NaN").hasMessageContaining("step 25");
            assertThat(Checkpoints.read(tmp.resolve(Checkpoints.FILE)).metadata().get("step")).isEqualTo("20");
            assertThat(p.training().getInt("steps")).isEqualTo(40);
        }
    }

    @Test
    void aStepThatFailsStillEndsItsBackendStep() throws Exception {
        try (JavaBackend real = new JavaBackend(1)) {
            int[] begun = new int[1];
            int[] ended = new int[1];
            // Counts the step boundaries and passes every call on to the real backend.
            Backend counting = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[]{Backend.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "beginStep" -> begun[0]++;
                            case "endStep" -> ended[0]++;
                            default -> { }
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            Pipeline poisoned = pipeline(TestComponents.spec(40, 10).replace("loss: {name: mse}",
                    "loss: {name: mse, nan-at: 25}"), counting);
            TrainingState s = new TrainingState(counting, poisoned.model().network().parameters());
            assertThatThrownBy(() -> new Trainer(poisoned).train(s, st -> { }, null))
                    .isInstanceOf(UserException.class).hasMessageContaining("step 25");
            assertThat(begun[0]).as("steps begun").isEqualTo(25);
            assertThat(ended[0]).as("steps ended, the failed one included").isEqualTo(begun[0]);
        }
    }

    @Test
    void unknownTrainingOptionIsRejected() throws Exception {
        try (Backend be = new JavaBackend(1)) {
            assertThatThrownBy(() -> pipeline(TestComponents.spec(10, 10).replace("steps: 10", "stepz: 10"), be))
                    .isInstanceOf(org.diffusion4j.api.config.ConfigException.class).hasMessageContaining("unknown option 'stepz'");
        }
    }

}
