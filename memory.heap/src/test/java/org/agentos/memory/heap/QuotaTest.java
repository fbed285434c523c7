package org.agentos.memory.heap;

import static org.agentos.memory.heap.Mem.done;
import static org.agentos.memory.heap.Mem.proc;
import static org.agentos.memory.heap.Mem.refused;
import static org.agentos.memory.heap.Mem.text;
import static org.agentos.memory.heap.Mem.withQuotas;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

/** EQUOTA names the quota, its use and its limit, and a refused write changes nothing. */
class QuotaTest {
    private static final MemCaller OP = MemCaller.operator("alice");
    private final MemCaller alice1 = proc(1, "alice");

    /** What an entry costs a quota: value, key and overhead. */
    private static long c(String key, int valueBytes) {
        return org.agentos.kernel.api.memory.MemKey.charge(key, valueBytes);
    }

    private static void quota(String expected, SyscallException e) {
        assertEquals(Errno.EQUOTA, e.errno());
        assertEquals(expected, e.getMessage());
    }

    @Test
    void aWriteBeyondTheProcessQuotaIsEQUOTAAndChangesNothing() throws Exception {
        HeapMemory m = withQuotas(c("a", 60) + c("b", 50) - 1, 0, Map.of());
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[60])));
        quota("process quota of user/1: 125 bytes used + 115 more exceeds the limit of 239",
                refused(() -> m.put(alice1, "user/1", "b", MemWrite.blob(new byte[50]))));
        assertEquals(1, m.space("user/1").orElseThrow().entries());
        assertEquals(60, m.space("user/1").orElseThrow().bytes());
        assertEquals(Errno.ENOENT, refused(() -> m.get(alice1, "user/1", "b")).errno());
    }

    @Test
    void aRewriteIsChargedOnlyForWhatItAdds() throws Exception {
        HeapMemory m = withQuotas(c("a", 100), 0, Map.of());
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[60])));
        assertEquals(2, done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[100]))).version());
    }

    @Test
    void aCasBeyondTheQuotaIsEQUOTAAndKeepsTheOldValue() throws Exception {
        HeapMemory m = withQuotas(c("a", 100), 0, Map.of());
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[60])));
        assertEquals(Errno.EQUOTA, refused(() -> m.cas(alice1, "user/1", "a", 1, MemWrite.blob(new byte[101]))).errno());
        assertEquals(1, m.get(alice1, "user/1", "a").info().version());
    }

    @Test
    void aWriteBeyondASharedSpaceQuotaIsEQUOTA() throws Exception {
        HeapMemory m = withQuotas(0, 0, Map.of());
        m.share(OP, "team", new SharedSpec(false, c("k", 10)));
        quota("space quota of shared/team: 0 bytes used + 76 more exceeds the limit of 75",
                refused(() -> m.put(OP, "shared/team", "k", MemWrite.blob(new byte[11]))));
        assertEquals(0, m.space("shared/team").orElseThrow().entries());
    }

    @Test
    void aWriteBeyondTheOwnerQuotaIsEQUOTAAcrossSpaces() throws Exception {
        HeapMemory m = withQuotas(0, c("k", 70) + c("k", 40) - 1, Map.of());
        done(m.put(alice1, "user/1", "k", MemWrite.blob(new byte[70])));
        m.share(OP, "team", new SharedSpec(false, 0));
        quota("owner quota of alice: 135 bytes used + 105 more exceeds the limit of 239",
                refused(() -> m.put(OP, "shared/team", "k", MemWrite.blob(new byte[40]))));
        done(m.put(proc(2, "bob"), "user/2", "k", MemWrite.blob(new byte[90])));
    }

    @Test
    void aPerOwnerQuotaOverridesTheDefault() throws Exception {
        HeapMemory m = withQuotas(0, 1000, Map.of("alice", c("k", 10)));
        quota("owner quota of alice: 0 bytes used + 76 more exceeds the limit of 75",
                refused(() -> m.put(alice1, "user/1", "k", MemWrite.blob(new byte[11]))));
        done(m.put(proc(2, "bob"), "user/2", "k", MemWrite.blob(new byte[11])));
    }

    @Test
    void deletingFreesQuota() throws Exception {
        HeapMemory m = withQuotas(c("a", 100), 0, Map.of());
        done(m.put(alice1, "user/1", "a", MemWrite.blob(new byte[100])));
        done(m.delete(alice1, "user/1", "a"));
        done(m.put(alice1, "user/1", "b", MemWrite.blob(new byte[100])));
    }

    @Test
    void pagedOutEntriesStillCountAgainstTheQuota() throws Exception {
        HeapMemory m = withQuotas(c("w1", 50) + c("w2", 50), 0, Map.of());
        m.setTokenBudget(1, 1);
        done(m.put(alice1, "user/1", "w1", MemWrite.blob(new byte[50]).working(1, null)));
        done(m.put(alice1, "user/1", "w2", MemWrite.blob(new byte[50]).working(1, null)));
        assertEquals(1, m.space("user/1").orElseThrow().pagedOut());
        assertEquals(Errno.EQUOTA, refused(() -> m.put(alice1, "user/1", "x", MemWrite.blob(new byte[1]))).errno());
    }

    @Test
    void keysAndEachEntryCountSoEmptyValuesUnderLongKeysAreNotFree() throws Exception {
        HeapMemory m = withQuotas(0, 10_000, Map.of());
        String longKey = "k".repeat(502);
        int written = 0;
        SyscallException full = null;
        for (int i = 0; i < 100 && full == null; i++) {
            try {
                done(m.put(alice1, "user/1", longKey.substring(0, 500) + String.format("%02d", i), MemWrite.blob(new byte[0])));
                written++;
            } catch (SyscallException e) {
                full = e;
            }
        }
        assertEquals(Errno.EQUOTA, full == null ? null : full.errno(), "empty values under 502-character keys filled the quota");
        assertEquals(10_000 / c(longKey, 0), written);
        assertEquals(written * c(longKey, 0), m.usage().get(0).bytes());
    }

    @Test
    void theKernelIsNotLimitedInSystem() throws Exception {
        HeapMemory m = withQuotas(1, 1, Map.of());
        done(m.put(MemCaller.kernel(), "system", "k", MemWrite.blob(new byte[100])));
        assertEquals(100, m.space("system").orElseThrow().bytes());
    }
}
