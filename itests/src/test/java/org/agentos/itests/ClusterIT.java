package org.agentos.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three installations on one machine (free ports, loopback) as one cluster: each installs
 * agentos-cluster offline and sees the others in cluster:nodes; a queue of one node is used by
 * agents of the two others; an agent on one hears another leave when it is killed with
 * SIGKILL, within the failure detection time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static UnpackedDistribution a;
    private static UnpackedDistribution b;
    private static UnpackedDistribution c;
    /** node-b after its SIGKILL, to start again; and the agent the others restarted meanwhile. */
    private static UnpackedDistribution lost;
    private static long survivor;
    private static long survivorCopy;
    private static String survivorNode;

    @BeforeAll
    static void start() throws Exception {
        int[] ports = UnpackedDistribution.freePorts(3);
        String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
        a = UnpackedDistribution.unpack("cluster-a");
        b = UnpackedDistribution.unpack("cluster-b");
        c = UnpackedDistribution.unpack("cluster-c");
        configure(a, "node-a", ports[0], members);
        configure(b, "node-b", ports[1], members);
        configure(c, "node-c", ports[2], members);
        for (UnpackedDistribution d : new UnpackedDistribution[] {a, b, c}) d.start();
        for (UnpackedDistribution d : new UnpackedDistribution[] {a, b, c}) d.console("feature:install agentos-cluster");
        UnpackedDistribution.waitUntil("three nodes up, seen from each", () -> {
            for (UnpackedDistribution d : new UnpackedDistribution[] {a, b, c}) {
                String nodes = d.console("cluster:nodes");
                if (!up(nodes, "node-a") || !up(nodes, "node-b") || !up(nodes, "node-c")) return false;
            }
            return true;
        }, Duration.ofSeconds(120));
    }

    static void configure(UnpackedDistribution d, String name, int port, String members) throws Exception {
        d.setProperty("etc/org.agentos.cluster.cfg", "node.name", name);
        d.setProperty("etc/org.agentos.cluster.cfg", "port", port);
        d.setProperty("etc/org.agentos.cluster.cfg", "members", members);
        d.setProperty("etc/org.agentos.cluster.cfg", "failureDetectionSeconds", 5);
        d.setProperty("etc/org.agentos.cluster.cfg", "publishSeconds", 1);
        d.setProperty("etc/org.agentos.cluster.cfg", "replicateSeconds", 2);
    }

    @AfterAll
    static void stop() throws Exception {
        if (a != null) a.stop();
        if (b != null) b.stop();
        if (c != null) c.stop();
        if (lost != null && lost != b) lost.stop();
    }

    static boolean up(String nodes, String name) {
        return Pattern.compile("(?m)^[ *] " + Pattern.quote(name) + "\\s+\\d+\\s+127\\.0\\.0\\.1:\\d+\\s+up\\s").matcher(nodes).find();
    }

    /** The count in a counter's state, as agent:state prints it. */
    static long count(String state) {
        Matcher m = Pattern.compile("\"count\"\\s*:\\s*(\\d+)").matcher(state);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String exitLine(String info) {
        Matcher m = Pattern.compile("(?m)^exit .*$").matcher(info);
        assertTrue(m.find(), info);
        return m.group();
    }

    static long spawnedPid(String out) {
        Matcher m = Pattern.compile("spawned pid (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(1)
    void aProducerOnOneNodeAndConsumersOnTwoOthersShareAQueueAndNothingIsLost() throws Exception {
        // the queue is node-a's (root's, with pipeline as a member); the agents using it run on node-b and node-c
        assertTrue(a.console("ipc:create -d at-least-once -c 50 -m pipeline jobs").contains("members pipeline"));
        String worker = "agent:spawn -o pipeline -c 'ipc:recv:jobs' worker '{\"queue\":\"jobs\",\"workMs\":20,\"idleMs\":10000}'";
        long onC = spawnedPid(c.console(worker));
        long onB = spawnedPid(b.console(worker));
        long producer = spawnedPid(b.console("agent:spawn -o pipeline -c 'ipc:send:jobs' producer '{\"queue\":\"jobs\",\"count\":300}'"));
        UnpackedDistribution.waitUntil("both workers idle after the last job", () -> c.console("agent:info " + onC).contains("EXITED")
                && b.console("agent:info " + onB).contains("EXITED"), Duration.ofSeconds(180));
        assertTrue(b.console("agent:info " + producer).contains("sent 300 jobs to jobs"), b.console("agent:info " + producer));
        long done = 0;
        long sum = 0;
        for (String info : new String[] {c.console("agent:info " + onC), b.console("agent:info " + onB)}) {
            Matcher m = Pattern.compile("did (\\d+) jobs \\(their numbers add up to (\\d+)\\)").matcher(info);
            assertTrue(m.find(), info);
            assertTrue(Long.parseLong(m.group(1)) > 0, "each worker did some: " + info);
            done += Long.parseLong(m.group(1));
            sum += Long.parseLong(m.group(2));
        }
        assertEquals(300, done, "every job once");
        assertEquals(300 * 301 / 2, sum, "every job once, none twice");
        String table = a.console("ipc:queues");
        assertTrue(Pattern.compile("(?m)^jobs\\s+root\\s+at-least-once\\s+50\\s+0\\s+0\\s+0\\s+0/\\d\\s+300\\s").matcher(table).find(), table);
        // node-a checks the callers itself: mallory holds the capability but is not a member
        long mallory = spawnedPid(c.console("agent:spawn -o mallory -c 'ipc:send:jobs' producer '{\"queue\":\"jobs\",\"count\":1}'"));
        UnpackedDistribution.waitUntil("mallory's send refused", () -> c.console("agent:info " + mallory).contains("EXITED"));
        assertTrue(c.console("agent:info " + mallory).contains("EPERM"), c.console("agent:info " + mallory));
        assertTrue(a.console("kernel:audit --name ipc.refused -n 5").contains("mallory"), "refused and audited on node-a");
    }

    @Test
    @Order(2)
    void anAgentStartsAChildOnAnotherNodeWhenItHoldsTheCapability() throws Exception {
        long parent = spawnedPid(a.console("agent:spawn -o pipeline -c proc:spawn -c cluster:spawn:node-c -c 'ipc:recv:jobs' call "
                + "'{\"syscall\":\"proc.spawn\",\"args\":{\"program\":\"counter\",\"node\":\"node-c\",\"args\":{\"limit\":1}}}'"));
        UnpackedDistribution.waitUntil("the parent's call answered", () -> a.console("agent:info " + parent).contains("EXITED"));
        Matcher child = Pattern.compile("\"pid\":(\\d+),\"node\":\"node-c\"").matcher(a.console("agent:info " + parent));
        assertTrue(child.find(), a.console("agent:info " + parent));
        String there = c.console("agent:info " + child.group(1));
        assertTrue(there.contains("owner        pipeline") && there.contains("counted to 1"), "node-c ran it as the parent's owner: " + there);
        assertTrue(c.console("kernel:audit --name proc.spawn.remote -n 5").contains("for pid " + parent + " of node node-a"),
                "audited on node-c with who asked");
        // to node-b it holds no capability: refused on its own node
        long refused = spawnedPid(a.console("agent:spawn -o pipeline -c proc:spawn -c cluster:spawn:node-c call "
                + "'{\"syscall\":\"proc.spawn\",\"args\":{\"program\":\"counter\",\"node\":\"node-b\"}}'"));
        UnpackedDistribution.waitUntil("refused", () -> a.console("agent:info " + refused).contains("EXITED"));
        assertTrue(a.console("agent:info " + refused).contains("cluster:spawn:node-b"), a.console("agent:info " + refused));
    }

    @Test
    @Order(3)
    void threeInstallationsFormAClusterAndAnAgentHearsANodeKilled() throws Exception {
        String nodes = a.console("cluster:nodes");
        assertTrue(nodes.contains("cluster agentos, 3 node(s)"), nodes);
        assertTrue(Pattern.compile("(?m)^\\* node-a ").matcher(nodes).find(), "this node is marked: " + nodes);
        assertTrue(b.console("cluster:nodes --json").contains("\"name\" : \"node-a\""));
        // the web view's Nodes tab reads the same through its JSON API
        HttpResponse<String> web = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + a.httpPort + "/system/console/agents/nodes.json"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("karaf:karaf".getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, web.statusCode(), web.body());
        assertTrue(web.body().contains("\"cluster\":\"agentos\"") && web.body().contains("\"name\":\"node-b\"")
                && web.body().contains("\"local\":\"node-a\""), web.body());
        // and Prometheus scrapes them
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.httpPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("agentos_cluster_nodes{state=\"up\"} 3") && metrics.contains("agentos_cluster_node_processes{node=\"node-b\"}"),
                metrics.lines().filter(l -> l.contains("cluster")).toList().toString());

        // one pid namespace: each node gives pids in its own range, node n's from n x 10^12
        // (the kernel applies its new pid floor a moment after the node joined)
        long[] pids = new long[2];
        UnpackedDistribution.waitUntil("pids in the nodes' ranges", () -> {
            pids[0] = spawnedPid(a.console("agent:spawn counter '{\"limit\":1}'"));
            pids[1] = spawnedPid(b.console("agent:spawn counter '{\"limit\":1}'"));
            return pids[0] >= 1_000_000_000_000L && pids[1] >= 1_000_000_000_000L;
        });
        long onA = pids[0];
        long onB = pids[1];
        long numberA = onA / 1_000_000_000_000L;
        long numberB = onB / 1_000_000_000_000L;
        assertTrue(numberA >= 1 && numberB >= 1 && numberA != numberB, "pids in two node ranges: " + onA + ", " + onB);
        assertTrue(Pattern.compile("(?m)^\\* node-a\\s+" + numberA + "\\s").matcher(a.console("cluster:nodes")).find());

        // a process of node-b, seen and acted on from node-a: its node does it, and audits it
        // placed from node-a: node-b's console runs the spawn as the same operator, with its own checks
        String placed = a.console("agent:spawn --node node-b -o remote counter '{\"limit\":0,\"sleepMs\":60000}'");
        assertTrue(placed.contains("on node node-b"), placed);
        long sleeper = spawnedPid(placed);
        assertEquals(numberB, sleeper / 1_000_000_000_000L, "a pid of node-b's range");
        String quoted = a.console("agent:spawn --node node-b counter '{\"limit\":1,\"note\":\"a $HOME b\"}'");
        assertTrue(quoted.contains("on node node-b"), "arguments with quotes cross intact: " + quoted);
        long auto = spawnedPid(a.console("agent:spawn --node auto counter '{\"limit\":1}'"));
        assertTrue(auto >= 1_000_000_000_000L, "placed on one of the nodes: " + auto);
        UnpackedDistribution.Result nowhere = a.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:spawn --node nowhere counter");
        assertTrue(nowhere.output().contains("ENOENT") && nowhere.output().contains("no node 'nowhere'"), nowhere.output());
        String everywhere = a.console("agent:ps --cluster -o remote");
        assertTrue(Pattern.compile("(?m)^node-b\\s+" + sleeper + "\\s").matcher(everywhere).find(), everywhere);
        assertEquals("1", a.console("agent:ps --cluster --count -o remote").strip());
        String info = a.console("agent:info " + sleeper);
        assertTrue(info.contains("node         node-b") && info.contains("owner        remote"), info);
        // a user without the admin role: node-b checks them as its own console would
        UnpackedDistribution.Result notHers = a.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "alice", "agent:kill " + sleeper);
        assertTrue(notHers.output().contains("EPERM") && notHers.output().contains("belongs to remote"), notHers.output());
        UnpackedDistribution.Result asBob = a.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "alice",
                "agent:spawn --node node-b -o bob counter '{\"limit\":1}'");
        assertTrue(asBob.output().contains("EPERM") && asBob.output().contains("acts only as owner alice"), asBob.output());
        UnpackedDistribution.Result hers = a.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "alice",
                "agent:spawn --node node-b counter '{\"limit\":0,\"sleepMs\":60000}'");
        assertTrue(hers.output().contains("on node node-b"), hers.output());
        UnpackedDistribution.Result herView = a.run(Duration.ofSeconds(60), "bin/agentos-console", "-u", "alice", "agent:ps --cluster");
        assertTrue(herView.output().contains("alice") && !herView.output().contains("remote") && !herView.output().contains("demo-"),
                "alice sees her own processes on every node: " + herView.output());
        assertTrue(a.console("agent:pause " + sleeper).contains("paused " + sleeper + " (on node node-b)"));
        UnpackedDistribution.waitUntil("paused on node-b", () -> b.console("agent:info " + sleeper).contains("PAUSED"));
        assertTrue(a.console("agent:kill " + sleeper).contains("killed " + sleeper + " (on node node-b)"));
        assertTrue(b.console("agent:info " + sleeper).contains("KILLED"));
        assertTrue(b.console("kernel:audit --name cluster. -n 5").contains("by console user karaf on node node-a"), "audited on node-b");
        UnpackedDistribution.Result unknown = a.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:info " + (numberB * 1_000_000_000_000L + 999_999));
        assertTrue(unknown.output().contains("ESRCH") && unknown.output().contains("on node node-b"), unknown.output());

        // moving a counter from node-b to node-a mid-way: it goes on from its count there, and the original ends
        long mover = spawnedPid(a.console("agent:spawn --node node-b -o moving counter '{\"limit\":40,\"sleepMs\":100}'"));
        long twin = spawnedPid(c.console("agent:spawn -o moving counter '{\"limit\":40,\"sleepMs\":100}'")); // the same, never moved
        UnpackedDistribution.waitUntil("counted a while on node-b", () -> count(b.console("agent:state " + mover)) >= 5);
        String moved = a.console("agent:move " + mover + " node-a");
        Matcher to = Pattern.compile("moved pid " + mover + " to node node-a as pid (\\d+)").matcher(moved);
        assertTrue(to.find(), moved);
        long copy = Long.parseLong(to.group(1));
        assertEquals(numberA, copy / 1_000_000_000_000L, "the copy has a pid of its new node");
        assertTrue(b.console("agent:info " + mover).contains("KILLED"), "the original ended after the copy ran");
        assertTrue(b.console("agent:info " + mover).contains("moved to     node node-a as pid " + copy), "its old pid leads to the copy");
        assertTrue(count(a.console("agent:state " + copy)) >= 5, "the copy went on from the count it had, not from 0");
        UnpackedDistribution.waitUntil("the copy finished", () -> a.console("agent:info " + copy).contains("EXITED"));
        assertTrue(a.console("agent:info " + copy).contains("counted to 40"));
        UnpackedDistribution.waitUntil("the unmoved twin finished", () -> c.console("agent:info " + twin).contains("EXITED"));
        assertEquals(exitLine(c.console("agent:info " + twin)), exitLine(a.console("agent:info " + copy)), "moved or not, the same result");
        assertEquals(count(c.console("agent:state " + twin)), count(a.console("agent:state " + copy)), "and the same final state");
        UnpackedDistribution.Result same = a.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:move " + copy + " node-a");
        assertTrue(same.output().contains("EINVAL"), same.output());

        // draining node-b moves every live process it has to the other nodes
        String drained = a.console("cluster:drain node-b");
        assertTrue(drained.contains("drained node node-b:") && !drained.contains("stayed"), drained);
        assertEquals("0", b.console("agent:ps --count").strip(), "node-b is empty: " + b.console("agent:ps"));

        // an agent on node-a waits for a node to leave
        long watcher = spawnedPid(a.console(
                "agent:spawn -c 'ipc:subscribe:org/agentos/cluster/*' watch '{\"topic\":\"org/agentos/cluster/NODE_LEFT\",\"timeoutMs\":120000}'"));
        UnpackedDistribution.waitUntil("the watcher subscribed", () -> a.console("agent:info " + watcher).contains("ipc.recv"));

        // a durable queue of node-b, filled from node-a: the cluster keeps a copy of what is not done
        assertTrue(b.console("ipc:create -d at-least-once --durable -c 100 -m pipeline orders").contains("orders"));
        long filler = spawnedPid(a.console("agent:spawn -o pipeline -c 'ipc:send:orders' producer '{\"queue\":\"orders\",\"count\":10}'"));
        UnpackedDistribution.waitUntil("ten orders sent from node-a", () -> a.console("agent:info " + filler).contains("sent 10 jobs"));

        // an agent of node-b whose image the cluster keeps (node-b cuts one every 2 s here)
        survivor = spawnedPid(b.console("agent:spawn -o survivor counter '{\"limit\":100000,\"sleepMs\":100}'"));
        UnpackedDistribution.waitUntil("its image kept in the cluster", () -> Pattern.compile("(?m)^node-b\\s+" + survivor
                + "\\s+survivor\\s+counter\\s").matcher(a.console("cluster:images")).find());
        UnpackedDistribution.waitUntil("a later image", () -> count(b.console("agent:state " + survivor)) >= 20);
        System.out.println(a.console("cluster:images"));
        long countedBeforeLoss = count(b.console("agent:state " + survivor));

        long karaf = Long.parseLong(Files.readString(b.home.resolve("karaf.pid")).strip());
        assertEquals(0, new ProcessBuilder("kill", "-KILL", Long.toString(karaf)).start().waitFor());
        ProcessHandle.of(karaf).ifPresent(p -> p.onExit().join());
        UnpackedDistribution.waitUntil("the watcher heard node-b leave", () -> a.console("agent:info " + watcher).contains("EXITED"),
                Duration.ofSeconds(60));
        String heard = a.console("agent:info " + watcher);
        assertTrue(heard.contains("node-b"), "the event names the node: " + heard);
        UnpackedDistribution.Result gone = a.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:info " + sleeper);
        assertTrue(gone.output().contains("EIO"), "a pid of a node that left: " + gone.output());
        String alone = a.console("cluster:nodes");
        assertTrue(alone.contains("2 node(s)") && !alone.contains("node-b"), alone);

        // the oldest member left restarts node-b's agent from its last image on the least loaded node
        String[] takeover = new String[1];
        UnpackedDistribution.waitUntil("node-b's agent restarted elsewhere", () -> {
            takeover[0] = a.console("kernel:audit --name cluster.takeover -n 100000") + "\n" + c.console("kernel:audit --name cluster.takeover -n 100000");
            return takeover[0].contains("pid " + survivor + " (counter, survivor) of node node-b restarted");
        }, Duration.ofSeconds(60));
        Matcher where = Pattern.compile("pid " + survivor + " \\(counter, survivor\\) of node node-b restarted on node (node-[ac]) as pid (\\d+)")
                .matcher(takeover[0]);
        assertTrue(where.find(), takeover[0]);
        survivorNode = where.group(1);
        survivorCopy = Long.parseLong(where.group(2));
        UnpackedDistribution on = survivorNode.equals("node-a") ? a : c;
        long resumedAt = count(on.console("agent:state " + survivorCopy));
        assertTrue(resumedAt >= 10 && resumedAt <= countedBeforeLoss + 30, "it went on from its image's count, not from 0: " + resumedAt
                + " (it had counted " + countedBeforeLoss + " shortly before)");
        UnpackedDistribution.waitUntil("the copy counts on", () -> count(on.console("agent:state " + survivorCopy)) > resumedAt);
        UnpackedDistribution.Result asked = a.run(Duration.ofSeconds(60), "bin/agentos-console", "agent:info " + survivor);
        assertTrue(asked.output().contains("runs on node " + survivorNode + " as pid " + survivorCopy), "its old pid leads to it: " + asked.output());
        assertTrue(!a.console("cluster:images").contains("node-b "), "its image is used up: " + a.console("cluster:images"));

        // node-b's durable queue is made again on the oldest member from the cluster's copy: all ten orders, once each
        UnpackedDistribution.waitUntil("node-b's durable queue taken over", () -> (a.console("kernel:audit --name cluster.takeover -n 100000")
                + c.console("kernel:audit --name cluster.takeover -n 100000")).contains("durable queue orders of node node-b now held by node"));
        long taker = spawnedPid(c.console("agent:spawn -o pipeline -c 'ipc:recv:orders' worker '{\"queue\":\"orders\",\"workMs\":0,\"idleMs\":3000}'"));
        UnpackedDistribution.waitUntil("the orders done on node-c", () -> c.console("agent:info " + taker).contains("EXITED"));
        assertTrue(c.console("agent:info " + taker).contains("did 10 jobs (their numbers add up to 55)"), c.console("agent:info " + taker));
        lost = b;
        b = null; // killed: nothing to stop
    }

    @Test
    @Order(4)
    void aLostNodeThatComesBackEndsTheAgentsTakenOverAndNothingRunsTwice() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(lost != null && survivorCopy != 0, "node-b was lost and its agent taken over");
        lost.start(); // its kernel restores its agents held, until the cluster says
        b = lost;
        UnpackedDistribution.waitUntil("node-b back in the cluster", () -> up(a.console("cluster:nodes"), "node-b"), Duration.ofSeconds(120));
        UnpackedDistribution.waitUntil("node-b ended its own copy of the agent taken over",
                () -> b.console("agent:info " + survivor).contains("KILLED"), Duration.ofSeconds(60));
        assertTrue(b.console("kernel:audit --name cluster.fenced -n 5").contains("pid " + survivor + " (counter, survivor) ended here"),
                b.console("kernel:audit --name cluster.fenced -n 5"));
        UnpackedDistribution on = survivorNode.equals("node-a") ? a : c;
        assertTrue(!on.console("agent:info " + survivorCopy).contains("KILLED"), "the copy goes on where it was restarted");
        // and its durable queue, restored from its own disk, is dropped: another node holds it now
        UnpackedDistribution.waitUntil("node-b dropped its copy of the queue", () -> !b.console("ipc:queues").contains("orders"));
        assertTrue(b.console("kernel:audit --name cluster.fenced -n 20").contains("durable queue orders dropped here"));
        // a node that leaves the cluster for good no longer holds its processes at a restart
        assertEquals("true", c.console("config:property-get -p org.agentos.kernel recoverHeld").strip());
        c.console("feature:uninstall agentos-cluster");
        UnpackedDistribution.waitUntil("node-c's kernel lets its processes go at a restart",
                () -> c.console("config:property-get -p org.agentos.kernel recoverHeld").strip().equals("false"));
    }
}
