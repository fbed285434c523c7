package org.agentos.kernel.api.sched;

/** What a scheduler sees of a runnable process. Implemented by the kernel. */
@org.osgi.annotation.versioning.ProviderType
public interface SchedEntity {
    long pid();

    /** Niceness, -20 (most favoured) to 19 (least). */
    int nice();

    /** The tenant the process belongs to, for per-owner fairness. */
    String owner();

    /** Its scheduling class, ranked before nice. */
    default SchedClass schedClass() {
        return SchedClass.NORMAL;
    }
}
