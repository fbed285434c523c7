package org.agentos.agent.dsl;

/**
 * Called by workflow code at the head of every loop and method (inserted when it is loaded, not
 * written by its author): a workflow whose process ended while it ran without making a call (a
 * loop the kernel's watchdog gave up on) stops there and frees its thread.
 */
public final class WorkflowGuard {
    private WorkflowGuard() {}

    public static void tick() {
        if (Thread.currentThread().isInterrupted()) throw new Stopped();
    }

    /** Ends a workflow's code whose process is gone; an Error, which workflows may not catch. */
    public static final class Stopped extends Error {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("the workflow's process ended while its code ran without a syscall", null, false, false);
        }
    }
}
