package org.agentos.kernel.api.syscall;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the most recent calls made, by call id ({@link ToolContext#callId()}), for a tool or
 * subsystem with effects: a call made again after a crash (the kernel never learned its result)
 * is answered with what it made the first time instead of acting twice. Keeps the newest
 * {@code capacity}; the caller fills it again from its own durable records at start. Thread-safe.
 *
 * @param <V> what a call made (a file version, a memory entry)
 * @since 1.2
 */
public final class CallsMade<V> {
    private final LinkedHashMap<String, V> byCall;

    public CallsMade(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
        byCall = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** What call {@code callId} made, or null (a call not seen, or no call id: the console's). */
    public synchronized V get(String callId) {
        return callId == null ? null : byCall.get(callId);
    }

    /** Notes what call {@code callId} made; nothing for a null call id. */
    public synchronized void put(String callId, V made) {
        if (callId != null) byCall.put(callId, made);
    }

    public synchronized int size() {
        return byCall.size();
    }
}
