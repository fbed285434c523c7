package org.agentos.cluster.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Each node's number, which makes its pids unique in the cluster: node n gives pids from
 * n × {@link #PIDS_PER_NODE} on (the kernel's {@code pidFloor}), so pid 2000000000042 is
 * process 42 of node 2, and which node a pid started on needs no look-up. A node keeps its number
 * on disk and claims it again after a restart; a new node takes the smallest number no member
 * holds. The claim is made under a cluster-wide lock on the numbers' map.
 */
final class NodeNumbers {
    static final String MAP = "agentos.node-numbers";
    /** A node's pid range: at a thousand spawns a second, 30 years. */
    static final long PIDS_PER_NODE = org.agentos.kernel.api.cluster.NodeStatus.PIDS_PER_NODE;
    private static final String ALLOCATION = "#allocation";

    private NodeNumbers() {}

    /** This node's number, claimed in the cluster and kept in {@code file} (null: nowhere, as in tests). */
    static int claim(HazelcastInstance member, String node, Path file) throws IOException {
        Integer remembered = read(file);
        IMap<String, Integer> numbers = member.getMap(MAP);
        int number;
        numbers.lock(ALLOCATION);
        try {
            Set<Integer> taken = new HashSet<>();
            numbers.forEach((name, n) -> {
                if (!name.equals(node) && !name.equals(ALLOCATION)) taken.add(n);
            });
            Integer held = numbers.get(node);
            // never a lower number than the one remembered: this node's pids are in its range already
            number = remembered != null ? remembered : held != null ? held : 1;
            while (taken.contains(number)) number++;
            numbers.set(node, number);
        } finally {
            numbers.unlock(ALLOCATION);
        }
        if (file != null && !Integer.valueOf(number).equals(remembered)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, number + "\n", StandardCharsets.US_ASCII);
        }
        return number;
    }

    private static Integer read(Path file) throws IOException {
        if (file == null || !Files.exists(file)) return null;
        try {
            int n = Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).strip());
            return n > 0 ? n : null;
        } catch (NumberFormatException e) {
            throw new IOException("the node number in " + file + " is not a number (delete it to take a new one)", e);
        }
    }
}
