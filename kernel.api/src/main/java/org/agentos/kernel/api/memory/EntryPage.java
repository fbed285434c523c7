package org.agentos.kernel.api.memory;

import java.util.List;

/**
 * Keys of a space in key order, one page.
 *
 * @param entries the page
 * @param next    the key to pass as {@code after} for the next page, or null at the end
 */
public record EntryPage(List<EntryInfo> entries, String next) {}
