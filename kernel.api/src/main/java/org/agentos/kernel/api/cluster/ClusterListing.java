package org.agentos.kernel.api.cluster;

import org.agentos.kernel.api.process.ProcessListing;

/**
 * One node's answer to a cluster-wide listing: its page of processes, or why it gave none.
 *
 * @param node    the node's name
 * @param listing its processes matching the query (null when it did not answer)
 * @param error   why it did not answer ({@code "EIO: ..."}), or null
 */
public record ClusterListing(String node, ProcessListing listing, String error) {}
