package org.agentos.kernel.api.security;

import java.util.Collection;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The most a console user may give a process (when it spawns or restores one, or maps a token to
 * capabilities): its roles' and its own ceilings in {@code etc/org.agentos.console.cfg};
 * administrators have none. Karaf's command ACLs decide who may run a command; they cannot look
 * inside its capability arguments, so every bundle with such a command asks this service.
 *
 * @since 1.3
 */
@org.osgi.annotation.versioning.ProviderType
public interface CapabilityCeilings {
    /**
     * Refuses capabilities beyond {@code operator}'s ceiling: {@code EPERM} naming the first such
     * pattern and the ceiling; {@code EINVAL} for a pattern that is not one.
     */
    void check(ConsoleOperator operator, Collection<String> capabilities) throws SyscallException;
}
