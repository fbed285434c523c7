package org.agentos.kernel.api.process;

/** The states of a process. Transitions come only from the kernel. */
public enum ProcessState {
    /** Created, not yet runnable. */
    NEW,
    /** Waiting for a CPU worker. */
    READY,
    /** A CPU worker is running one of its steps. */
    RUNNING,
    /** Waiting for a syscall to complete (sleep, wait, I/O). Holds no thread. */
    BLOCKED,
    /** Held by an operator or its parent at a syscall boundary until resumed. */
    PAUSED,
    /** Ended by itself, by a terminate request or by the kernel (quota, fault). */
    EXITED,
    /** Ended by kill. */
    KILLED;

    /** EXITED or KILLED: the process will never run again (a zombie until reaped). */
    public boolean isTerminal() {
        return this == EXITED || this == KILLED;
    }
}
