package org.agentos.kernel.api.cluster;

/**
 * An agent's last image, kept in the cluster: what the others restart it from if its node is
 * lost ({@code cluster:images}).
 *
 * @param node      the node it runs on
 * @param pid       its pid there
 * @param owner     its owner
 * @param program   its program
 * @param steps     the steps it had taken at the cut
 * @param cutMillis when it was cut (epoch ms)
 * @param bytes     the image's size
 */
public record KeptImage(String node, long pid, String owner, String program, long steps, long cutMillis, long bytes) {}
