package org.agentos.kernel.impl.persist;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.syscall.Errno;

/**
 * A process-table entry as it is checkpointed: everything needed to continue the process after
 * a restart. {@code reaped} marks a tombstone. Version 1 of the on-disk format; fields added later
 * (schedClass, budget: the process tree's {@link TreeBudget#chain()}; journalSeq: its journaled calls
 * so far) are absent from older records and read as null or 0.
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record ProcRecord(int v, long pid, long ppid, String owner, String program, ProcessState state, int nice,
                  List<String> caps, Quotas quotas, long startedMillis, long cpuNanos, long steps, long syscalls,
                  long bytes, long tokens, Map<String, Long> syscallsByName, JsonNode programState,
                  JsonNode lastValue, Errno lastErrno, String lastMessage, String callName, JsonNode callArgs,
                  long sleepUntilMillis, long waitFor, boolean pausePending, boolean terminatePending,
                  ExitStatus exit, long endedMillis, boolean reaped, SchedClass schedClass, List<long[]> budget,
                  long journalSeq) {
    static final int VERSION = 1;

    static ProcRecord tombstone(long pid) {
        return new ProcRecord(VERSION, pid, 0, null, null, null, 0, null, null, 0, 0, 0, 0, 0, 0, null, null, null,
                null, null, null, null, 0, 0, false, false, null, 0, true, null, null, 0);
    }
}
