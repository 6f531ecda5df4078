/**
 * Image datasets read from MNIST-format IDX files: {@code fashion-mnist} (the files of Debian's
 * {@code dataset-fashion-mnist} package) and {@code idx-images} (any IDX image files, with optional
 * label files). Pixels are scaled to [−1, 1]; samples are {@code [1, rows, columns]}.
 */
module org.diffusion4j.plugin.imagedata {
    requires org.diffusion4j.api;

    provides org.diffusion4j.api.ComponentProvider with
            org.diffusion4j.plugin.imagedata.FashionMnistProvider,
            org.diffusion4j.plugin.imagedata.IdxImagesProvider;
}
