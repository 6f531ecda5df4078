/**
 * The U-Net of DDPM (Ho et al. 2020, App. B) in the simplified ADM form (Dhariwal and Nichol 2021)
 * that the PyTorch peer {@code peers/unet_fmnist.py} calls "ref-unet-s": residual blocks with a
 * time (and optionally class) embedding, single-head self-attention at chosen resolutions, skip
 * connections between the down and up paths. Built from the api's {@code nn} blocks; parameter
 * names and layouts mirror the PyTorch module so weights can be carried across.
 */
module org.diffusion4j.plugin.unet {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with org.diffusion4j.plugin.unet.UNetProvider;
}
