/**
 * Image datasets: {@code fashion-mnist} (the files of Debian's {@code dataset-fashion-mnist}
 * package) and {@code idx-images} (any MNIST-format IDX image files, with optional label files), read
 * from IDX files; {@code image-folder} (PNG/JPEG files in one sub-folder per class, torchvision's
 * {@code ImageFolder} layout), decoded with {@code javax.imageio}. Pixels are scaled to [−1, 1];
 * samples are {@code [channels, height, width]}.
 */
module org.diffusion4j.plugin.imagedata {
    requires org.diffusion4j.api;
    // javax.imageio decodes PNG and JPEG for image-folder; a JDK module, resolved from the boot layer
    // (the runtime requires it too), so the plugin's layer needs nothing of its own for it.
    requires java.desktop;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.imagedata.FashionMnistProvider,
            org.diffusion4j.plugin.imagedata.IdxImagesProvider,
            org.diffusion4j.plugin.imagedata.ImageFolderProvider;
}
