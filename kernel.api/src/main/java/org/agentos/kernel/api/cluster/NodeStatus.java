package org.agentos.kernel.api.cluster;

/**
 * One node of the cluster as the others see it: what it published last, every few seconds.
 *
 * @param name          the node's name, unique in the cluster ({@code etc/org.agentos.cluster.cfg})
 * @param number        the node's number: its pids start at number × 10^12 (0 while it has none)
 * @param address       where its member listens (host:port)
 * @param local         whether it is this installation
 * @param state         {@code up} once it has published its load, {@code joining} before
 * @param processes     its live processes
 * @param runnable      of those, ready or running
 * @param blocked       of those, waiting in a call
 * @param workers       its CPU workers
 * @param busy          workers running a step at that moment
 * @param loadAverage   the host's load average over the last minute (-1 when the OS does not say)
 * @param memoryLevel   its memory governor's level (NORMAL, THROTTLE, PAUSE_IDLE)
 * @param updatedMillis when it published this (its clock)
 */
public record NodeStatus(String name, int number, String address, boolean local, String state, long processes, long runnable,
                         long blocked, int workers, int busy, double loadAverage, String memoryLevel, long updatedMillis) {
    public static final String UP = "up";
    public static final String JOINING = "joining";
    /** Pids of node n start at n times this. */
    public static final long PIDS_PER_NODE = 1_000_000_000_000L;

    /** The number of the node a pid was first given on; 0 for a pid given before its node joined a cluster. */
    public static long nodeNumberOf(long pid) {
        return pid / PIDS_PER_NODE;
    }
}
