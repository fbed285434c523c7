package org.agentos.kernel.api.process;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.syscall.Args;

/**
 * What to start. Capabilities and quotas are attenuated against the parent's: a child never
 * holds more than its parent.
 *
 * @param program      registered program name
 * @param args         arguments for the program's {@code init}
 * @param owner        tenant; null = the parent's
 * @param nice         niceness -20..19; a child may not be less nice than its parent
 * @param capabilities capability patterns; null = all of the parent's
 * @param quotas       limits; null = the parent's
 * @param schedClass   scheduling class; null = the parent's (normal for the console). A child never
 *                     runs in a higher class than its parent.
 */
public record SpawnSpec(String program, JsonNode args, String owner, int nice, List<String> capabilities,
                        Quotas quotas, SchedClass schedClass) {
    public SpawnSpec {
        Objects.requireNonNull(program, "program");
        args = args == null ? Args.none() : args;
        capabilities = capabilities == null ? null : List.copyOf(capabilities);
    }

    /** The spec without a scheduling class (the parent's), as in process API 1.0. */
    public SpawnSpec(String program, JsonNode args, String owner, int nice, List<String> capabilities, Quotas quotas) {
        this(program, args, owner, nice, capabilities, quotas, null);
    }

    public static SpawnSpec of(String program, JsonNode args) {
        return new SpawnSpec(program, args, null, 0, null, null, null);
    }

    public SpawnSpec withSchedClass(SchedClass c) {
        return new SpawnSpec(program, args, owner, nice, capabilities, quotas, c);
    }
}
