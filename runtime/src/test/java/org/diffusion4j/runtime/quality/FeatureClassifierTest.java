package org.diffusion4j.runtime.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffusion4j.api.PointSet;
import org.diffusion4j.api.tensor.Backend;
import org.diffusion4j.api.tensor.Rng;
import org.diffusion4j.api.tensor.Tensor;
import org.diffusion4j.runtime.UserException;
import org.diffusion4j.runtime.backend.JavaBackend;
import org.diffusion4j.runtime.io.NamedTensor;
import org.diffusion4j.runtime.io.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classifier on a synthetic labelled image set of three clearly different kinds of 1×12×12
 * images (horizontal stripes, vertical stripes, a bright square), each with a random phase or place
 * and pixel noise: it learns them, an untrained one is at chance, a seed gives the same weights, and
 * a saved classifier loads back to the same features bit for bit.
 */
class FeatureClassifierTest {

    private static final int SIZE = 12;
    private static final int CLASSES = 3;
    private static final ClassifierTraining.Options QUICK = new ClassifierTraining.Options(150, 32, 3e-3, 8, 16, 1);

    private static Backend backend;
    private static FeatureClassifier trained;

    @BeforeAll
    static void train() {
        backend = new JavaBackend(2);
        trained = ClassifierTraining.train(backend, images(600, 1), CLASSES, QUICK, null);
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** {@code n} labelled images, classes in turn, from stream {@code seed}. */
    static PointSet images(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] v = new float[n * SIZE * SIZE];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int label = i % CLASSES;
            labels[i] = label;
            int phase = rng.nextInt(4);
            int top = rng.nextInt(SIZE - 4);
            int left = rng.nextInt(SIZE - 4);
            for (int r = 0; r < SIZE; r++) {
                for (int c = 0; c < SIZE; c++) {
                    boolean on = switch (label) {
                        case 0 -> (r + phase) % 4 < 2;
                        case 1 -> (c + phase) % 4 < 2;
                        default -> r >= top && r < top + 4 && c >= left && c < left + 4;
                    };
                    v[i * SIZE * SIZE + r * SIZE + c] = (float) ((on ? 0.8 : -0.8) + 0.3 * rng.nextGaussian());
                }
            }
        }
        return new PointSet(new int[] {1, SIZE, SIZE}, v, labels);
    }

    private static Map<String, float[]> weights(FeatureClassifier f) {
        Map<String, float[]> out = new LinkedHashMap<>();
        f.parameters().forEach((k, t) -> out.put(k, t.toArray()));
        return out;
    }

    @Test
    void aTrainedClassifierSeparatesTheClassesWhereAnUntrainedOneIsAtChance() {
        PointSet test = images(300, 99);
        FeatureClassifier untrained = FeatureClassifier.create(backend, trained.architecture(), new Rng(5));
        double floor = untrained.accuracy(test);
        double accuracy = trained.accuracy(test);
        assertThat(floor).isLessThan(0.6);
        assertThat(accuracy).isGreaterThan(0.95).isGreaterThan(floor + 0.35);
        // predict agrees with accuracy, and the features are one row of 2w values per image
        int[] predicted = trained.predict(test);
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == test.labels()[i] ? 1 : 0;
        }
        assertThat((double) right / predicted.length).isEqualTo(accuracy);
        PointSet features = trained.features(test);
        assertThat(features.count()).isEqualTo(300);
        assertThat(features.dimension()).isEqualTo(16).isEqualTo(trained.featureDimension());
        assertThat(features.labels()).isEqualTo(test.labels());
    }

    @Test
    void theSameSeedGivesTheSameWeightsBitForBitWhateverTheThreadCountAndAnotherSeedDoesNot() {
        ClassifierTraining.Options shortRun = new ClassifierTraining.Options(20, 16, 3e-3, 4, 8, 7);
        PointSet data = images(90, 3);
        Map<String, float[]> one;
        Map<String, float[]> three;
        Map<String, float[]> other;
        try (Backend b1 = new JavaBackend(1); Backend b3 = new JavaBackend(3)) {
            one = weights(ClassifierTraining.train(b1, data, CLASSES, shortRun, null));
            three = weights(ClassifierTraining.train(b3, data, CLASSES, shortRun, null));
            other = weights(ClassifierTraining.train(b1, data, CLASSES,
                    new ClassifierTraining.Options(20, 16, 3e-3, 4, 8, 8), null));
        }
        assertThat(three.keySet()).containsExactly("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                "conv3.weight", "conv3.bias", "features.weight", "features.bias", "head.weight", "head.bias");
        three.forEach((k, v) -> assertThat(v).as(k).isEqualTo(one.get(k)));
        assertThat(other.get("conv1.weight")).isNotEqualTo(one.get("conv1.weight"));
    }

    @Test
    void aSavedClassifierLoadsBackToTheSameFeaturesBitForBit(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("clf.safetensors");
        trained.save(file, Map.of("dataset", "stripes", "test-accuracy", "0.97", "format", "not-this"));
        FeatureClassifier loaded = FeatureClassifier.load(file, backend);
        PointSet test = images(40, 5);
        assertThat(loaded.features(test).values()).isEqualTo(trained.features(test).values());
        assertThat(loaded.predict(test)).isEqualTo(trained.predict(test));
        assertThat(loaded.architecture()).isEqualTo(trained.architecture());
        assertThat(loaded.testAccuracy()).isEqualTo(0.97);
        assertThat(loaded.dataset()).isEqualTo("stripes");
        assertThat(loaded.metadata()).containsEntry("format", FeatureClassifier.FORMAT).containsEntry("base-width", "8").containsEntry("features", "16");
        assertThat(trained.testAccuracy()).isNaN();
        // features() turns the weights' gradients off only while it runs
        assertThat(loaded.parameters().values()).allMatch(Tensor::requiresGrad);
        // an existing file is never overwritten
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> loaded.save(file, Map.of()))
                .isInstanceOf(UserException.class).hasMessageContaining(file.toString()).hasMessageContaining("already exists");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void featuresDoNotDependOnTheBatchAnImageIsIn() {
        PointSet many = images(FeatureClassifier.BATCH + 44, 11);
        float[] all = trained.features(many).values();
        float[] head = trained.features(many.head(10)).values();
        float[] tail = trained.features(new PointSet(new int[] {1, SIZE, SIZE},
                java.util.Arrays.copyOfRange(many.values(), FeatureClassifier.BATCH * SIZE * SIZE, many.values().length),
                null)).values();
        int f = trained.featureDimension();
        assertThat(java.util.Arrays.copyOf(all, 10 * f)).isEqualTo(head);
        assertThat(java.util.Arrays.copyOfRange(all, FeatureClassifier.BATCH * f, all.length)).isEqualTo(tail);
    }

    @Test
    void loadingSomethingElseIsAOneLineUserErrorNamingTheFile(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("none.safetensors");
        assertThatThrownBy(() -> FeatureClassifier.load(missing, backend))
                .isInstanceOf(UserException.class).hasMessageContaining("classifier not found").hasMessageContaining(missing.toString());
        Path garbage = tmp.resolve("garbage.safetensors");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertThatThrownBy(() -> FeatureClassifier.load(garbage, backend))
                .isInstanceOf(UserException.class).hasMessageContaining(garbage.toString()).hasMessageNotContaining("\n");
        Path checkpoint = tmp.resolve("checkpoint.safetensors");
        Safetensors.write(checkpoint, Map.of("model.w", NamedTensor.vector(1f, 2f)), Map.of("format", "diffusion4j-checkpoint-1"));
        assertThatThrownBy(() -> FeatureClassifier.load(checkpoint, backend))
                .isInstanceOf(UserException.class).hasMessageContaining("is not a diffusion4j classifier")
                .hasMessageContaining("diffusion4j-checkpoint-1");
        // a classifier file whose weights do not fit its recorded architecture
        Path good = tmp.resolve("good.safetensors");
        trained.save(good, Map.of());
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        Safetensors.read(good).tensors().forEach((k, t) -> tensors.put(k, (NamedTensor) t));
        tensors.put("model.head.bias", NamedTensor.vector(1f, 2f));
        Path bad = tmp.resolve("bad.safetensors");
        Safetensors.write(bad, tensors, Safetensors.read(good).metadata());
        assertThatThrownBy(() -> FeatureClassifier.load(bad, backend))
                .isInstanceOf(UserException.class).hasMessageContaining("model.head.bias").hasMessageContaining("[2]");
    }

    @Test
    void imagesOfAnotherShapeOrWithoutLabelsAreRefused() {
        PointSet wrong = new PointSet(new int[] {1, 10, 10}, new float[200], new int[] {0, 1});
        assertThatThrownBy(() -> trained.features(wrong))
                .isInstanceOf(UserException.class).hasMessageContaining("[1, 12, 12]").hasMessageContaining("[1, 10, 10]");
        PointSet unlabelled = images(6, 1).withLabels(null);
        assertThatThrownBy(() -> trained.accuracy(unlabelled))
                .isInstanceOf(UserException.class).hasMessageContaining("no labels");
        // flat rows of the right length are accepted
        PointSet flat = new PointSet(SIZE * SIZE, images(6, 1).values());
        assertThat(trained.features(flat).values()).isEqualTo(trained.features(images(6, 1)).values());
        assertThatThrownBy(() -> ClassifierTraining.train(backend, unlabelled, CLASSES, QUICK, null))
                .isInstanceOf(UserException.class).hasMessageContaining("no labels");
        PointSet badLabel = images(6, 1).withLabels(new int[] {0, 1, 2, 3, 0, 1});
        assertThatThrownBy(() -> ClassifierTraining.train(backend, badLabel, CLASSES, QUICK, null))
                .isInstanceOf(UserException.class).hasMessageContaining("label 3").hasMessageContaining("[0, 2]");
    }

    @Test
    void crossEntropyIsTheStableLogSoftmaxLossWithTheSoftmaxMinusOneHotGradient() {
        float[] z = {2f, -1f, 0.5f, 1000f, 999f, -1000f};     // the second row would overflow a naive exp
        int[] labels = {0, 1};
        Tensor logits = Tensor.of(backend, z, 2, 3).requiresGrad(true);
        Tensor loss = ClassifierTraining.crossEntropy(logits, labels, 3);
        double expected = 0;
        double[][] grad = new double[2][3];
        for (int i = 0; i < 2; i++) {
            double max = Math.max(z[3 * i], Math.max(z[3 * i + 1], z[3 * i + 2]));
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                sum += Math.exp(z[3 * i + c] - max);
            }
            expected -= (z[3 * i + labels[i]] - max - Math.log(sum)) / 2;
            for (int c = 0; c < 3; c++) {
                grad[i][c] = (Math.exp(z[3 * i + c] - max) / sum - (c == labels[i] ? 1 : 0)) / 2;
            }
        }
        assertThat((double) loss.item()).isCloseTo(expected, within(1e-5));
        float[] g = Tensor.grad(loss, List.of(logits), false).get(0).toArray();
        for (int i = 0; i < 6; i++) {
            assertThat((double) g[i]).isCloseTo(grad[i / 3][i % 3], within(1e-6));
        }
    }
}
