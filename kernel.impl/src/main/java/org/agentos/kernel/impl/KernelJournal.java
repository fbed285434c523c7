package org.agentos.kernel.impl;

import java.util.List;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.agentos.kernel.impl.syscall.Replay;

/**
 * The call journal, for the kernel's own console commands (agent:journal). Registered by the
 * kernel component; not exported.
 */
public interface KernelJournal {
    /**
     * {@code pid}'s records, oldest first: its start, the results it was given, its exit.
     * {@code ENOSYS} when the kernel keeps no state on disk.
     */
    List<JournalRecord> records(long pid) throws SyscallException;

    /**
     * Runs {@code pid}'s program again (or {@code program}, when not null) against its journal,
     * making nothing, for at most {@code maxSteps} steps ({@code agent:replay}).
     */
    Replay.Report replay(long pid, String program, long maxSteps) throws SyscallException;
}
