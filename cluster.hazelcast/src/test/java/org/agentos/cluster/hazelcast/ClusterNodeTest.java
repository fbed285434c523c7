package org.agentos.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.RemoteCaller;
import org.agentos.kernel.api.ipc.Delivery;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.cluster.NodeStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/** Two nodes in one JVM on loopback, as two installations would be: membership, status, events, names. */
class ClusterNodeTest {
    private final List<ClusterNode> started = new ArrayList<>();
    private final List<Event> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        for (ClusterNode n : started) n.deactivate();
    }

    @Test
    void twoNodesSeeEachOtherAndHearOneLeave() throws Exception {
        int[] ports = freePorts(2);
        String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        ClusterNode a = start("alpha", ports[0], members);
        ClusterNode b = start("beta", ports[1], members);
        await("both nodes up on both", () -> upCount(a) == 2 && upCount(b) == 2);
        List<NodeStatus> seenByA = a.nodes();
        assertEquals(List.of("alpha", "beta"), seenByA.stream().map(NodeStatus::name).toList());
        assertTrue(seenByA.get(0).local());
        assertFalse(seenByA.get(1).local());
        assertEquals("127.0.0.1:" + ports[1], seenByA.get(1).address());
        assertEquals("running", a.state());
        assertEquals(List.of(1, 2), seenByA.stream().map(NodeStatus::number).sorted().toList(), "each node its own number, the smallest free");
        assertTrue(events.stream().anyMatch(e -> e.getTopic().equals(Cluster.NODE_JOINED) && "beta".equals(e.getProperty("node"))),
                "alpha heard beta join: " + events);

        b.deactivate();
        started.remove(b);
        await("alpha alone", () -> a.nodes().size() == 1);
        await("alpha heard beta leave", () -> events.stream().anyMatch(e -> e.getTopic().equals(Cluster.NODE_LEFT) && "beta".equals(e.getProperty("node"))));
        assertEquals(List.of("alpha"), a.nodes().stream().map(NodeStatus::name).toList());
    }

    @Test
    void aSecondNodeWithATakenNameDoesNotJoin() throws Exception {
        int[] ports = freePorts(2);
        String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        ClusterNode a = start("same", ports[0], members);
        await("first up", () -> upCount(a) == 1);
        ClusterNode b = start("same", ports[1], members);
        await("second refused", () -> b.state().startsWith("failed"));
        assertTrue(b.state().contains("node name 'same' is taken"), b.state());
        assertTrue(b.nodes().isEmpty());
    }

    @Test
    void aNodeKeepsItsNumberAndNeverTakesALowerOne(@TempDir Path dir) throws Exception {
        int port = freePorts(1)[0];
        NodeSettings one = new NodeSettings("numbers", "test-numbers-" + ProcessHandle.current().pid(), "127.0.0.1", port,
                List.of("127.0.0.1:" + port), 5, 1);
        HazelcastInstance m = Hazelcast.newHazelcastInstance(MemberConfig.of(one, getClass().getClassLoader()));
        try {
            Path n1 = dir.resolve("n1");
            assertEquals(1, NodeNumbers.claim(m, "n1", n1));
            assertEquals("1", Files.readString(n1).strip(), "kept on disk");
            assertEquals(2, NodeNumbers.claim(m, "n2", dir.resolve("n2")));
            assertEquals(1, NodeNumbers.claim(m, "n1", n1), "claimed again after a restart: the same");
            Files.writeString(dir.resolve("n3"), "2\n"); // remembers 2, which n2 holds now: the next free above it
            assertEquals(3, NodeNumbers.claim(m, "n3", dir.resolve("n3")));
            Files.writeString(dir.resolve("n4"), "x\n");
            assertTrue(assertThrows(java.io.IOException.class, () -> NodeNumbers.claim(m, "n4", dir.resolve("n4"))).getMessage()
                    .contains("not a number"));
        } finally {
            m.shutdown();
        }
    }

    @Test
    void settingsTypedByHandAreCheckedWithOneClearLine() {
        assertThrows(IllegalArgumentException.class, () -> new NodeSettings("bad name", "agentos", "127.0.0.1", 5701, List.of(), 15, 2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new NodeSettings("a", "agentos", "127.0.0.1", 70000, List.of(), 15, 2))
                .getMessage().contains("port 70000"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new NodeSettings("a", "agentos", "127.0.0.1", 5701, List.of("host;rm -rf"), 15, 2)).getMessage().contains("member"));
        assertEquals(List.of("127.0.0.1:5701", "10.0.0.2"), NodeSettings.members(" 127.0.0.1:5701, 10.0.0.2 "));
        ClusterNode bad = new ClusterNode();
        bad.activate(settings("no spaces allowed", 5701, ""), null);
        assertTrue(bad.state().startsWith("failed: node name"), bad.state());
        assertTrue(bad.nodes().isEmpty());
    }

    @Test
    void aQueueCallGoesToTheNodeThatHoldsTheQueueWithItsCaller() throws Exception {
        int[] ports = freePorts(2);
        String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        ClusterNode a = start("alpha", ports[0], members);
        ClusterNode b = start("beta", ports[1], members);
        List<Object[]> calls = new CopyOnWriteArrayList<>();
        // beta's kernel holds "jobs": it answers a send with ids, refuses bob, and has nothing else
        b.queues = (MessageQueues) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {MessageQueues.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "stats":
                    return "jobs".equals(args[0]) ? Optional.of(new QueueStats("jobs", "alice", Delivery.AT_LEAST_ONCE, false, 8, 0, 0, 0, 0,
                            0, 0, 0, 0, 0, 0, 0, 0, 0, java.util.Set.of())) : Optional.empty();
                case "callFrom":
                    RemoteCaller c = (RemoteCaller) args[0];
                    calls.add(new Object[] {c, args[1], args[2]});
                    return CompletableFuture.completedFuture(c.owner().equals("bob") ? SyscallResult.error(Errno.EPERM, "not a member")
                            : SyscallResult.ok(new ObjectMapper().readTree("{\"ids\":[1]}")));
                default:
                    throw new UnsupportedOperationException(method.getName());
            }
        });
        await("both nodes up on both", () -> upCount(a) == 2 && upCount(b) == 2);
        assertEquals(Optional.of("beta"), a.holderOf("jobs"));
        assertEquals(Optional.empty(), a.holderOf("nowhere"));
        assertEquals(Optional.empty(), b.holderOf("jobs"), "beta holds it itself: no other node does");
        JsonNode args = new ObjectMapper().readTree("{\"queue\":\"jobs\",\"payload\":{\"job\":1}}");
        SyscallResult sent = a.call("beta", "ipc.send", args, new RemoteCaller(7, "alice", null, List.of("ipc:send:jobs")))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(sent.isOk(), sent.toString());
        assertEquals(1, sent.value().path("ids").get(0).asLong());
        RemoteCaller seen = (RemoteCaller) calls.get(0)[0];
        assertEquals(new RemoteCaller(7, "alice", "alpha", List.of("ipc:send:jobs")), seen, "the caller as it is on its node, named by it");
        assertEquals("ipc.send", calls.get(0)[1]);
        assertEquals(args, calls.get(0)[2]);
        SyscallResult refused = a.call("beta", "ipc.send", args, new RemoteCaller(8, "bob", null, List.of("ipc:send:jobs")))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(Errno.EPERM, refused.errno(), "the holder's refusal, as the errno it was");
        SyscallResult gone = a.call("gamma", "ipc.send", args, new RemoteCaller(7, "alice", null, List.of()))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(Errno.EIO, gone.errno());
    }

    private long upCount(ClusterNode n) {
        return n.nodes().stream().filter(s -> s.state().equals(NodeStatus.UP)).count();
    }

    private ClusterNode start(String name, int port, String members) {
        ClusterNode n = new ClusterNode();
        n.events = new EventAdmin() {
            public void postEvent(Event e) { events.add(e); }
            public void sendEvent(Event e) { events.add(e); }
        };
        n.activate(settings(name, port, members), null);
        started.add(n);
        return n;
    }

    static ClusterNode.Settings settings(String name, int port, String members) {
        return new ClusterNode.Settings() {
            public Class<? extends Annotation> annotationType() { return ClusterNode.Settings.class; }
            public String node_name() { return name; }
            public String cluster_name() { return "test-" + ProcessHandle.current().pid(); }
            public String bind() { return "127.0.0.1"; }
            public int port() { return port; }
            public String members() { return members; }
            public int failureDetectionSeconds() { return 5; }
            public int publishSeconds() { return 1; }
            public int replicateSeconds() { return 0; }
        };
    }

    static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) s.close();
        }
        return ports;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(100);
        }
    }
}
