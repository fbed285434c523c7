package org.agentos.kernel.api.memory;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * What every memory manager accepts as a key, and as the name of a lock or semaphore: 1 to
 * {@value #MAX_LENGTH} characters of valid UTF-16 (so valid UTF-8 on disk), no control characters.
 */
public final class MemKey {
    public static final int MAX_LENGTH = 512;

    private MemKey() {}

    /** EINVAL, saying why, unless {@code key} is a valid key. */
    public static void check(String key) throws SyscallException {
        if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
            throw new SyscallException(Errno.EINVAL, "a key is 1.." + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char ch = key.charAt(i);
            if (Character.isISOControl(ch)) throw new SyscallException(Errno.EINVAL, "a key has no control characters");
            if (Character.isHighSurrogate(ch) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                throw new SyscallException(Errno.EINVAL, "a key must be valid Unicode (a lone surrogate is not)");
            }
        }
    }
}
