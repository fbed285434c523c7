package org.agentos.cluster.hazelcast;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An agent's last image, kept in the cluster for the day its node is lost: the files of the
 * image layout {@code agent:checkpoint} wrote (paths relative to it), with who it was.
 */
record Replica(String node, long pid, String owner, String program, long steps, long cutMillis, LinkedHashMap<String, byte[]> files)
        implements Serializable {

    /** The map key: node and pid. */
    static String key(String node, long pid) {
        return node + "/" + pid;
    }

    long bytes() {
        long n = 0;
        for (Map.Entry<String, byte[]> e : files.entrySet()) n += e.getValue().length;
        return n;
    }
}
