/**
 * Denoising diffusion implicit models (Song, Meng and Ermon 2020, "DDIM"): the generalised
 * non-Markovian reverse process with η (Eq. 12 and 16), over a sub-sequence τ of the training steps
 * (§4.2) chosen by a named spacing, the σ̂ variant of §5.1, and deterministic DDIM inversion (§5.4).
 * Works with any model whose schedule is a Gaussian path with falling SNR, whatever its
 * parameterization.
 */
module org.diffusion4j.plugin.ddim {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.ddim.DdimSamplerProvider;
}
