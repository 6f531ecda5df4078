/** Reading and writing the file formats users hand to plugins (point clouds as CSV and .npy). */
package org.diffusion4j.api.io;
