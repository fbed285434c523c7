package org.agentos.cluster.hazelcast;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving an agent of this node to another: cut it here with {@code agent:checkpoint
 * --keep-paused} (held at a quiet step boundary, nothing in flight), send the image's files to
 * the other node in pieces, have it {@code agent:restore} them (the copy starts), and only then
 * {@code agent:kill} the original. Until the copy runs the original is only paused: when a step
 * fails it goes on here, so nothing is lost, and as it never runs after the copy starts, nothing
 * runs twice. Each step is the operator's console command, on the node it runs on.
 */
final class Moves {
    private static final Logger LOG = LoggerFactory.getLogger(Moves.class);
    /** The size of the pieces an image travels in. */
    static final int PIECE = 1 << 20;
    private static final Pattern RESTORED = Pattern.compile("as pid (\\d+)");
    /** Where moved processes run now: old pid to "node/newpid", kept a week (Cluster.relocated). */
    static final String MOVED_MAP = "agentos.moved";

    /** Pieces on their way at once: a round trip each would leave the network idle between them. */
    static final int WINDOW = 8;

    private final String here;
    private final MoveInbox outbox;
    private final Supplier<ProcessManager> processes;
    private final Supplier<SessionFactory> sessions;
    private final NodeRequests remote;

    Moves(String here, MoveInbox outbox, Supplier<ProcessManager> processes, Supplier<SessionFactory> sessions, NodeRequests remote) {
        this.here = here;
        this.outbox = outbox;
        this.processes = processes;
        this.sessions = sessions;
        this.remote = remote;
    }

    /** Moves {@code pid}, which runs here, to {@code target} (another node, up). */
    String move(long pid, String target, ConsoleOperator operator) throws SyscallException {
        ProcessManager pm = processes.get();
        if (pm == null) throw new SyscallException(Errno.EIO, "node " + here + " has no kernel running");
        ProcessInfo before = pm.info(pid).orElseThrow(() -> new SyscallException(Errno.ESRCH, "no process " + pid + " on node " + here));
        if (before.state().isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + pid + " has ended");
        if (target.equals(here)) throw new SyscallException(Errno.EINVAL, "process " + pid + " runs on node " + here + " already");
        String id = UUID.randomUUID().toString();
        Path dir = outbox.dir(id);
        long started = System.nanoTime();
        run(operator, "agent:checkpoint --keep-paused -o $agentos_0 " + pid, dir.toString());
        long cut = System.nanoTime();
        boolean copyRuns = false;
        try {
            long bytes = send(dir, id, target, operator);
            long sent = System.nanoTime();
            long copy = restoreThere(id, target, operator);
            copyRuns = true;
            long restored = System.nanoTime();
            try {
                remote.running().<Long, String>getMap(MOVED_MAP).set(pid, target + "/" + copy, Replicas.TAKEN_DAYS, java.util.concurrent.TimeUnit.DAYS);
            } catch (SyscallException | RuntimeException e) {
                LOG.warn("the move of pid {} is not noted in the cluster (its old pid will not lead to the copy): {}", pid, e.toString());
            }
            run(operator, "agent:kill " + pid);
            long ended = System.nanoTime();
            String said = String.format(java.util.Locale.ROOT,
                    "moved pid %d to node %s as pid %d (%,d bytes of image, %.0f ms: cut %.0f, sent %.0f, restored %.0f, original ended %.0f)",
                    pid, target, copy, bytes, (ended - started) / 1e6, (cut - started) / 1e6, (sent - cut) / 1e6, (restored - sent) / 1e6,
                    (ended - restored) / 1e6);
            LOG.info(said);
            return said;
        } finally {
            outbox.delete(id);
            if (!copyRuns && before.state() != ProcessState.PAUSED) {
                try {
                    run(operator, "agent:resume " + pid); // the move failed: the original goes on here
                } catch (SyscallException e) {
                    LOG.error("pid {} stays paused after a failed move: {}", pid, e.getMessage());
                }
            }
        }
    }

    /** Has {@code target} restore the image its inbox received as move {@code id}, as {@code operator}; the new pid. */
    long restoreThere(String id, String target, ConsoleOperator operator) throws SyscallException {
        String printed = remote.ask(target, RemoteRequests.RESTORE, RemoteRequests.JSON.createObjectNode().put("move", id).toString(),
                null, operator).path("printed").asText();
        return restoredPid(target, printed);
    }

    /** The pid {@code agent:restore} printed it restored as. */
    static long restoredPid(String node, String printed) throws SyscallException {
        Matcher m = RESTORED.matcher(printed);
        if (!m.find()) throw new SyscallException(Errno.EIO, "node " + node + " restored it but said: " + printed);
        return Long.parseLong(m.group(1));
    }

    /** Every file of the image to {@code target}, piece by piece, {@link #WINDOW} at a time; the bytes sent. */
    long send(Path dir, String id, String target, ConsoleOperator operator) throws SyscallException {
        long total = 0;
        java.util.ArrayDeque<java.util.concurrent.Future<String>> inFlight = new java.util.ArrayDeque<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String relative = dir.relativize(file).toString();
                try (InputStream in = Files.newInputStream(file)) {
                    long offset = 0;
                    byte[] piece;
                    do {
                        piece = in.readNBytes(PIECE);
                        if (piece.length == 0 && offset > 0) break;
                        if (inFlight.size() == WINDOW) RemoteRequests.answer(NodeRequests.await(inFlight.removeFirst(), target, NodeRequests.REQUEST_SECONDS));
                        inFlight.addLast(remote.submit(target, RemoteRequests.PUT, RemoteRequests.JSON.createObjectNode().put("move", id)
                                .put("path", relative).put("offset", offset).toString(), piece, operator));
                        offset += piece.length;
                    } while (piece.length == PIECE);
                    total += offset;
                }
            }
            while (!inFlight.isEmpty()) RemoteRequests.answer(NodeRequests.await(inFlight.removeFirst(), target, NodeRequests.REQUEST_SECONDS));
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot read the image of move " + id + ": " + e.getMessage());
        } finally {
            for (var f : inFlight) f.cancel(true);
        }
        return total;
    }

    private void run(ConsoleOperator operator, String line, Object... values) throws SyscallException {
        Map<String, Object> vars = new java.util.LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) vars.put("agentos_" + i, values[i]);
        ConsoleOnNode.run(sessions.get(), operator, new ConsoleOnNode.Line(line, vars));
    }
}
