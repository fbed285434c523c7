package org.agentos.kernel.api.memory;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/** The three kinds of memory space, by their name's first segment. */
public enum SpaceKind {
    /** {@code system}: written by the kernel, read-only to agents. */
    SYSTEM,
    /** {@code user/<pid>}: private to one process; freed or kept when it exits, by policy. */
    USER,
    /** {@code shared/<name>}: created explicitly, reached by capability. */
    SHARED;

    /**
     * The kind of a space name, checking its form: {@code system}, {@code user/<pid>} with a
     * positive pid, {@code shared/<name>} with a name of letters, digits and {@code . _ -}
     * (at most 128).
     *
     * @throws IllegalArgumentException for anything else, with the reason
     */
    public static SpaceKind of(String space) {
        if (space == null || space.isEmpty()) throw new IllegalArgumentException("a space name is required");
        if (space.equals("system")) return SYSTEM;
        if (space.startsWith("user/")) {
            String pid = space.substring(5);
            if (!pid.isEmpty() && pid.length() < 19 && pid.chars().allMatch(Character::isDigit) && Long.parseLong(pid) > 0) {
                return USER;
            }
            throw new IllegalArgumentException("'" + space + "' is not user/<pid>");
        }
        if (space.startsWith("shared/")) {
            String name = space.substring(7);
            if (!name.isEmpty() && name.length() <= 128 && name.chars().allMatch(
                    c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'))) {
                return SHARED;
            }
            throw new IllegalArgumentException("'" + name + "' is not a shared space name (letters, digits, . _ -, at most 128)");
        }
        throw new IllegalArgumentException("'" + space + "' is not a space: system, user/<pid> or shared/<name>");
    }

    /** {@link #of}, with a malformed name as the EINVAL a system call returns. */
    public static SpaceKind parse(String space) throws SyscallException {
        try {
            return of(space);
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, e.getMessage());
        }
    }

    /** The space name of process {@code pid}'s private space. */
    public static String userSpace(long pid) {
        return "user/" + pid;
    }
}
