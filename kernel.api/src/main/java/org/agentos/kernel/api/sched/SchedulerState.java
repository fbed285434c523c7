package org.agentos.kernel.api.sched;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scheduler hands to its successor in a live swap: a versioned, implementation-neutral
 * data transfer object (public fields, Jackson-serializable). Every scheduler understands the
 * run-queue order; the virtual runtimes are for fair schedulers and may be ignored by others.
 */
public class SchedulerState {
    /** The format this class describes. An importer refuses versions it does not know. */
    public static final int VERSION = 1;

    public int version = VERSION;
    /** Name of the exporting scheduler. */
    public String exportedBy;
    /** The queued processes, in the order the exporter would have picked them. */
    public List<Entity> runnable = new ArrayList<>();
    /** Virtual runtime per tenant in nanoseconds (fair schedulers), may be empty. */
    public Map<String, Long> ownerVruntime = new LinkedHashMap<>();

    /** One queued process. */
    public static class Entity {
        public long pid;
        /** Its virtual runtime in nanoseconds, or 0 when the exporter has none. */
        public long vruntime;

        public Entity() {}

        public Entity(long pid, long vruntime) {
            this.pid = pid;
            this.vruntime = vruntime;
        }
    }
}
