package org.agentos.kernel.impl;

import java.util.List;

/**
 * What the kernel gives a process the console spawns without naming capabilities, so that the
 * console can hold it to the user's capability ceiling too. Registered by the kernel component;
 * not exported.
 */
public interface SpawnDefaults {
    /** The kernel's {@code defaultCapabilities} setting. */
    List<String> defaultCapabilities();
}
