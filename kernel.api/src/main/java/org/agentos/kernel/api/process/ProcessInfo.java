package org.agentos.kernel.api.process;

import java.util.List;
import org.agentos.kernel.api.sched.SchedClass;

/**
 * A snapshot of one process-table entry.
 *
 * @param pid          process id (1 is init)
 * @param ppid         parent's pid (0 for init)
 * @param owner        tenant or user the process belongs to
 * @param program      program name
 * @param state        current state
 * @param nice         niceness, -20..19
 * @param capabilities capability patterns it holds
 * @param quotas       its limits
 * @param usage        what it consumed
 * @param startedMillis spawn time, epoch milliseconds
 * @param waitingOn    what a BLOCKED process waits for (e.g. "proc.sleep"), or null
 * @param pausePending a pause was requested and takes effect at the next syscall boundary
 * @param exit         exit status once EXITED or KILLED, else null
 * @param children     pids of its live or unreaped children
 * @param schedClass   its scheduling class
 */
public record ProcessInfo(long pid, long ppid, String owner, String program, ProcessState state, int nice,
                          List<String> capabilities, Quotas quotas, Usage usage, long startedMillis,
                          String waitingOn, boolean pausePending, ExitStatus exit, List<Long> children,
                          SchedClass schedClass) {
    public ProcessInfo {
        capabilities = List.copyOf(capabilities);
        children = List.copyOf(children);
        schedClass = schedClass == null ? SchedClass.NORMAL : schedClass;
    }

    /** A snapshot without a scheduling class (normal), as in process API 1.0. */
    public ProcessInfo(long pid, long ppid, String owner, String program, ProcessState state, int nice,
                       List<String> capabilities, Quotas quotas, Usage usage, long startedMillis,
                       String waitingOn, boolean pausePending, ExitStatus exit, List<Long> children) {
        this(pid, ppid, owner, program, state, nice, capabilities, quotas, usage, startedMillis, waitingOn,
                pausePending, exit, children, SchedClass.NORMAL);
    }
}
