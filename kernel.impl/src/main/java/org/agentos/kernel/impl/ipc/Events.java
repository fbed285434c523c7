package org.agentos.kernel.impl.ipc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.proc.Proc;

/**
 * Events for agents (ipc.subscribe): the kernel's OSGi events, as messages in the mailbox of
 * each process subscribed to their topic that may see what they are about.
 */
public final class Events {
    private final Kernel k;
    private final Ipc ipc;

    Events(Kernel k, Ipc ipc) {
        this.k = k;
        this.ipc = ipc;
    }

    /** Topic filters each process subscribed to (OSGi syntax: {@code org/agentos/process/*}, {@code *}). */
    private final ConcurrentHashMap<Long, Set<String>> subscriptions = new ConcurrentHashMap<>();

    static final int MAX_SUBSCRIPTIONS = 16;

    private static final java.util.regex.Pattern TOPIC_FILTER =
            java.util.regex.Pattern.compile("\\*|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*(/\\*)?");

    /** Subscribes p's mailbox to events whose topic matches {@code filter}; or ends that subscription. */
    public SyscallResult subscribe(Proc p, String filter, boolean unsubscribe) throws SyscallException {
        if (!TOPIC_FILTER.matcher(filter).matches()) {
            throw new SyscallException(Errno.EINVAL, "a topic filter is a topic (org/agentos/process/EXITED) or a prefix "
                    + "ending in /* (org/agentos/process/*), or *: not '" + filter + "'");
        }
        Set<String> mine = subscriptions.computeIfAbsent(p.pid, pid -> ConcurrentHashMap.newKeySet());
        if (unsubscribe) {
            mine.remove(filter);
        } else {
            if (mine.size() >= MAX_SUBSCRIPTIONS && !mine.contains(filter)) {
                throw new SyscallException(Errno.EQUOTA, "at most " + MAX_SUBSCRIPTIONS + " subscriptions per process");
            }
            mine.add(filter);
            ipc.mailbox(p);
        }
        if (p.state.isTerminal()) subscriptions.remove(p.pid); // ended meanwhile
        ObjectNode r = k.json.createObjectNode();
        ArrayNode topics = r.putArray("subscriptions");
        mine.stream().sorted().forEach(topics::add);
        return SyscallResult.ok(r);
    }

    public boolean hasSubscribers() {
        return !subscriptions.isEmpty();
    }

    /**
     * An event (from EventAdmin): a message {topic, properties} in the mailbox of every process
     * subscribed to it that may see what it is about ({@link #mayReceive}). Only plain values
     * travel: no {@code event.*} property and no JAAS subject (EventAdmin adds the poster's,
     * with the operator's name, roles and ssh address).
     */
    public void publish(String topic, java.util.Map<String, Object> properties) {
        if (subscriptions.isEmpty()) return;
        ObjectNode event = null;
        for (var e : subscriptions.entrySet()) {
            boolean match = false;
            for (String f : e.getValue()) {
                if (matches(f, topic)) {
                    match = true;
                    break;
                }
            }
            if (!match) continue;
            Proc subscriber = k.procs.get(e.getKey());
            if (subscriber == null || !mayReceive(subscriber, topic, properties)) continue;
            if (event == null) {
                event = k.json.createObjectNode().put("topic", topic);
                ObjectNode props = event.putObject("properties");
                properties.forEach((name, v) -> {
                    if (!name.startsWith("event.") && plain(v)) props.set(name, k.json.valueToTree(v));
                });
            }
            ipc.notify(e.getKey(), event);
        }
    }

    /** Strings, numbers, booleans and arrays of them: what an event may carry to an agent. */
    private static boolean plain(Object v) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) return true;
        if (v instanceof String[] || v instanceof long[] || v instanceof int[] || v instanceof boolean[]) return true;
        return false;
    }

    /**
     * Whether {@code p} may learn of this event: a file's change only with {@code fs:read} on its
     * path; a process's event (it names a {@code pid}) only for its own owner's processes, or with
     * {@code proc:info:any}; other events (memory pressure, tools) are the system's and go to all.
     */
    public boolean mayReceive(Proc p, String topic, java.util.Map<String, Object> properties) {
        if (topic.startsWith("org/agentos/fs/")) {
            Object path = properties.get("path");
            return path instanceof String s && p.caps.permits("fs:read:" + s);
        }
        Object pid = properties.get("pid");
        if (pid instanceof Number) {
            if (p.caps.permits("proc:info:any")) return true;
            Object owner = properties.get("owner");
            if (owner instanceof String o) return o.equals(p.owner);
            Proc about = k.procs.get(((Number) pid).longValue());
            return about != null && about.owner.equals(p.owner);
        }
        return true;
    }

    static boolean matches(String filter, String topic) {
        if (filter.equals("*")) return true;
        if (filter.endsWith("/*")) return topic.startsWith(filter.substring(0, filter.length() - 1));
        return filter.equals(topic);
    }

    /** {@code p} ended: its subscriptions end with it. */
    void forget(Proc p) {
        subscriptions.remove(p.pid);
    }
}
