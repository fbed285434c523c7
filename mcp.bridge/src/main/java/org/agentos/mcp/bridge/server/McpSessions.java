package org.agentos.mcp.bridge.server;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.servlet.AsyncContext;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.mcp.bridge.token.McpTokens;

/**
 * MCP sessions: each is a client logged in with a token, and the principal process its calls are
 * made as (program {@code principal}, the token's owner and capabilities, its arguments naming the
 * token and the client, so the audit trail of its pid says who called). A principal that ended
 * (a day's sleep, a kill) is made again at the next call; a session idle for longer than the
 * configured time ends, and its principal with it.
 */
final class McpSessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One client's session. {@code streams}: its open GET streams, for notifications. */
    static final class Session {
        final String id;
        final McpTokens.Grant grant;
        final CapabilitySet caps;
        final String client;
        final String protocolVersion;
        final List<AsyncContext> streams = new CopyOnWriteArrayList<>();
        volatile long pid;
        volatile String logLevel = "info";
        volatile long lastUsedMillis = System.currentTimeMillis();

        Session(String id, McpTokens.Grant grant, CapabilitySet caps, String client, String protocolVersion) {
            this.id = id;
            this.grant = grant;
            this.caps = caps;
            this.client = client;
            this.protocolVersion = protocolVersion;
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final ProcessManager processes;
    private final int maxSessions;
    private final int maxPerToken;

    /**
     * At most {@code maxSessions} in all and {@code maxPerToken} for one token: each session is a
     * process of the token's owner, so one client cannot fill its owner's process quota.
     */
    McpSessions(ProcessManager processes, int maxSessions, int maxPerToken) {
        this.processes = processes;
        this.maxSessions = maxSessions;
        this.maxPerToken = maxPerToken;
    }

    /** A new session for {@code grant}, with its principal. EAGAIN when there are as many as allowed. */
    Session open(McpTokens.Grant grant, String client, String protocolVersion) throws SyscallException {
        if (sessions.size() >= maxSessions) {
            throw new SyscallException(Errno.EAGAIN, "the server holds " + maxSessions + " MCP sessions, its most (maxSessions)");
        }
        if (sessions.values().stream().filter(s -> s.grant.name().equals(grant.name())).count() >= maxPerToken) {
            throw new SyscallException(Errno.EAGAIN, "token '" + grant.name() + "' holds " + maxPerToken + " sessions, its most "
                    + "(maxSessionsPerToken): end one (DELETE) or wait until an idle one ends");
        }
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        Session s = new Session(Base64.getUrlEncoder().withoutPadding().encodeToString(b), grant,
                CapabilitySet.of(grant.capabilities()), client, protocolVersion);
        s.pid = spawn(s);
        sessions.put(s.id, s);
        return s;
    }

    Session get(String id) {
        Session s = id == null ? null : sessions.get(id);
        if (s != null) s.lastUsedMillis = System.currentTimeMillis();
        return s;
    }

    /** The session's principal, made again when it has ended. */
    long principal(Session s) throws SyscallException {
        long pid = s.pid;
        ProcessInfo p = processes.info(pid).orElse(null);
        if (p != null && !p.state().isTerminal()) return pid;
        synchronized (s) {
            if (s.pid == pid) s.pid = spawn(s);
            return s.pid;
        }
    }

    private long spawn(Session s) throws SyscallException {
        return processes.spawn(new SpawnSpec("principal", Args.of("mcp", s.grant.name(), "client", s.client), s.grant.owner(), 0,
                s.grant.capabilities(), null));
    }

    /** Ends a session: its principal, its streams. */
    void close(Session s) {
        if (sessions.remove(s.id) == null) return;
        try {
            processes.kill(s.pid);
        } catch (SyscallException ended) {
            // it had ended
        }
        for (AsyncContext a : s.streams) {
            try {
                a.complete();
            } catch (IllegalStateException done) {
                // the client had gone
            }
        }
    }

    /** Ends the sessions idle for longer than {@code idleMillis}, and those of tokens that are gone. */
    void expire(long idleMillis, java.util.function.Predicate<McpTokens.Grant> valid) {
        long now = System.currentTimeMillis();
        for (Session s : sessions.values()) {
            if (now - s.lastUsedMillis > idleMillis || !valid.test(s.grant)) close(s);
        }
    }

    /** Sends {@code json} as a server-sent event to every open stream. */
    void notifyAll(String json) {
        for (Session s : sessions.values()) {
            for (AsyncContext a : s.streams) {
                try {
                    var out = a.getResponse().getWriter();
                    out.write("event: message\ndata: " + json + "\n\n");
                    out.flush();
                    if (out.checkError()) throw new IOException("the stream is closed");
                } catch (IOException | IllegalStateException gone) {
                    s.streams.remove(a);
                }
            }
        }
    }

    int size() {
        return sessions.size();
    }

    void closeAll() {
        for (Session s : sessions.values()) close(s);
    }
}
