package org.diffusion4j.runtime.plugin;

import org.diffusion4j.api.ComponentProvider;

/**
 * A provider together with where it came from.
 *
 * @param provider the provider
 * @param plugin   the plugin that supplied it: its module name, or a folder for plain jars
 * @param source   folder or jar the plugin was loaded from ("module path" for built-in ones)
 */
public record ComponentEntry(ComponentProvider<?> provider, String plugin, String source) {
}
