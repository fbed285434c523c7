package org.agentos.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.agentos.kernel.api.cluster.SpawnOrder;
import org.junit.jupiter.api.Test;

/** The placement rule, and the spawn line another node's order becomes. */
class PlacementTest {
    static NodeStatus node(String name, String state, long processes, long runnable, int workers, String memory) {
        return new NodeStatus(name, 1, "127.0.0.1:1", false, state, processes, runnable, 0, workers, 0, 0.5, memory, 0);
    }

    @Test
    void autoTakesTheShortestRunQueuePerWorkerThenMemoryThenProcesses() {
        assertEquals("b", Placement.leastLoaded(List.of(node("a", "up", 10, 8, 2, "NORMAL"), node("b", "up", 50, 8, 8, "NORMAL")))
                .orElseThrow().name(), "1 runnable per worker beats 4");
        assertEquals("a", Placement.leastLoaded(List.of(node("a", "up", 10, 0, 2, "NORMAL"), node("b", "up", 5, 0, 2, "THROTTLE")))
                .orElseThrow().name(), "memory pressure counts before the process count");
        assertEquals("b", Placement.leastLoaded(List.of(node("a", "up", 10, 0, 2, "NORMAL"), node("b", "up", 5, 0, 2, "NORMAL")))
                .orElseThrow().name());
        assertEquals("a", Placement.leastLoaded(List.of(node("b", "up", 5, 0, 2, "NORMAL"), node("a", "up", 5, 0, 2, "NORMAL")))
                .orElseThrow().name(), "ties: by name, the same choice on every node");
        assertTrue(Placement.leastLoaded(List.of(node("a", "joining", 0, 0, 0, ""))).isEmpty(), "a joining node is not chosen");
    }

    @Test
    void aSpawnOrderBecomesACommandLineWhoseValuesAreVariables() {
        SpawnOrder o = new SpawnOrder("counter", "{\"note\":\"it's $HOME \\\\ \\\"\"}", "alice", 5, null,
                List.of("proc:*", "fs:read:/home/alice/**"), 0, 0, 100, 0, 0, 2);
        ConsoleOnNode.Line line = ConsoleOnNode.spawnLine(o);
        assertEquals("agent:spawn -o $agentos_0 -n 5 -c $agentos_1 -c $agentos_2 --max-syscalls 100 --count 2 $agentos_3 $agentos_4",
                line.text());
        assertEquals(List.of("alice", "proc:*", "fs:read:/home/alice/**", "counter", o.args()), List.copyOf(line.values().values()),
                "the values as given, unparsed");
    }
}
