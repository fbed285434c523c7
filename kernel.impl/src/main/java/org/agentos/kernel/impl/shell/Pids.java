package org.agentos.kernel.impl.shell;

import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.syscall.SyscallException;

/** Applies an operation to several pids; prints each success, then fails with all errors on one line. */
final class Pids {
    interface Op {
        void apply(long pid) throws SyscallException;
    }

    private Pids() {}

    static void each(List<Long> pids, Op op, String done) {
        SyscallException first = null;
        List<String> messages = new ArrayList<>();
        for (long pid : pids) {
            try {
                op.apply(pid);
                System.out.println(done + " " + pid);
            } catch (SyscallException e) {
                if (first == null) first = e;
                messages.add(e.getMessage());
            }
        }
        if (first != null) {
            throw ConsoleErrors.of(new SyscallException(first.errno(), String.join("; ", messages)));
        }
    }
}
