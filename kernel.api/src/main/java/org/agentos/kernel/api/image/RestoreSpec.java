package org.agentos.kernel.api.image;

import java.util.List;
import org.agentos.kernel.api.security.ConsoleOperator;

/**
 * Who restores an image, and what the new process gets. The restorer grants the capabilities: the
 * image's own when {@code capabilities} is null, else exactly these; either way no more than the
 * restorer may grant (a console user its role's ceiling, administrators anything, a process what it
 * holds). A crafted image is no way in.
 *
 * @param operator     the console user restoring it, or null when a process does
 * @param parentPid    the restoring process (its child), or 0 for the console (a child of init)
 * @param owner        the owner of the new process; null: the image's (a process: its own)
 * @param capabilities what to grant; null: the image's
 * @param paused       start it PAUSED rather than READY
 */
public record RestoreSpec(ConsoleOperator operator, long parentPid, String owner, List<String> capabilities,
                          boolean paused) {
    public RestoreSpec {
        if ((operator == null) == (parentPid == 0)) {
            throw new IllegalArgumentException("a restore is made by an operator or by a process");
        }
        capabilities = capabilities == null ? null : List.copyOf(capabilities);
    }

    public static RestoreSpec byOperator(ConsoleOperator operator, String owner, List<String> capabilities, boolean paused) {
        return new RestoreSpec(operator, 0, owner, capabilities, paused);
    }

    public static RestoreSpec byProcess(long pid, List<String> capabilities, boolean paused) {
        return new RestoreSpec(null, pid, null, capabilities, paused);
    }
}
