/**
 * General-purpose denoising networks built from the api's {@code nn} blocks: the multilayer
 * perceptron on (x, time features) that the "Unified Perspective on Diffusion and Flow Matching"
 * blog (§2.3) and the DDPM 2-D experiments use.
 */
module org.diffusion4j.plugin.networks {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with org.diffusion4j.plugin.networks.MlpProvider;
}
