package org.agentos.kernel.impl.mem;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.agentos.kernel.impl.proc.Proc;

/**
 * The locks and semaphore permits live processes held when the kernel last stopped, folded from
 * their journals: memory managers keep them in memory only, so after a kill -9 they are taken
 * again for the same processes before any call of theirs is made ({@link MemoryCalls#retakeAfterCrash}).
 */
final class HeldAtCrash {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HeldAtCrash.class);

    /** Claims to take again once a manager is bound; null when none. */
    private List<Claim> pending;

    /** Notes {@code claims} for {@link #takeAgain}. */
    synchronized void remember(List<Claim> claims) {
        pending = claims.isEmpty() ? null : claims;
    }

    /** Takes the remembered claims in {@code m}, once (the first manager bound after the restart). */
    void takeAgain(org.agentos.kernel.api.memory.MemoryManager m) {
        List<Claim> claims;
        synchronized (this) {
            claims = pending;
            pending = null;
        }
        if (claims == null) return;
        int taken = 0;
        for (Claim c : claims) {
            if (c.proc().state.isTerminal()) continue;
            try {
                boolean ok = c.permits() == 0 ? m.tryLock(MemoryCalls.caller(c.proc()), c.space(), c.name())
                        : m.trySemAcquire(MemoryCalls.caller(c.proc()), c.space(), c.name(), c.permits(), c.initial());
                if (ok) taken++;
                else LOG.warn("pid {} held {}#{} before the restart, and another holds it now", c.proc().pid, c.space(), c.name());
            } catch (SyscallException e) {
                LOG.warn("pid {} held {}#{} before the restart; taking it again failed: {}", c.proc().pid, c.space(), c.name(),
                        e.getMessage());
            }
        }
        LOG.info("{} locks and semaphores held before the restart taken again for their processes", taken);
    }

    /** One object a process held: a lock ({@code permits} 0) or permits of a semaphore created with {@code initial}. */
    record Claim(Proc proc, String space, String name, int permits, int initial) {}

    /** What each process held after all of its successful mem.lock/unlock/sem.* results, in journal order. */
    static List<Claim> fold(List<JournalRecord> records, LongFunction<Proc> procs) {
        Map<String, int[]> held = new LinkedHashMap<>(); // pid#space#name -> {locks or permits, initial, is-sem}
        Map<String, Claim> first = new LinkedHashMap<>();
        for (JournalRecord r : records) {
            Proc p = procs.apply(r.pid());
            JsonNode a = r.json();
            if (p == null || a == null || !a.hasNonNull("name")) continue;
            String space;
            try {
                space = MemoryCalls.space(p, a);
            } catch (SyscallException badName) {
                continue;
            }
            String name = a.get("name").asText();
            String key = p.pid + "#" + space + "#" + name;
            boolean sem = r.name().startsWith("mem.sem.");
            int n = sem ? a.path("permits").asInt(1) : 1;
            switch (r.name()) {
                case "mem.lock", "mem.sem.acquire" -> {
                    held.computeIfAbsent(key, x -> new int[] {0, a.path("initial").asInt(n), sem ? 1 : 0})[0] += n;
                    first.putIfAbsent(key, new Claim(p, space, name, 0, 0));
                }
                case "mem.unlock", "mem.sem.release" -> {
                    int[] h = held.get(key);
                    if (h != null) h[0] = Math.max(0, h[0] - n);
                }
                default -> { }
            }
        }
        List<Claim> out = new ArrayList<>();
        for (Map.Entry<String, int[]> e : held.entrySet()) {
            int[] h = e.getValue();
            if (h[0] <= 0) continue;
            Claim c = first.get(e.getKey());
            out.add(h[2] == 1 ? new Claim(c.proc(), c.space(), c.name(), h[0], h[1]) : c);
        }
        return out;
    }
}
