package org.agentos.kernel.api.memory;

import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * What every memory manager accepts as a key, and as the name of a lock or semaphore: 1 to
 * {@value #MAX_LENGTH} characters of valid UTF-16 (so valid UTF-8 on disk), no control characters.
 */
public final class MemKey {
    public static final int MAX_LENGTH = 512;
    /**
     * What every entry costs a quota beyond its key and value: the index node, version, times and
     * author a memory manager keeps for it. Without it a tenant filled memory with empty values
     * under long keys for free.
     */
    public static final long ENTRY_OVERHEAD = 64;

    private MemKey() {}

    /**
     * The bytes an entry counts against space and owner quotas: its value's {@code valueBytes},
     * its key in UTF-8 and {@link #ENTRY_OVERHEAD}. Every memory manager charges the same.
     */
    public static long charge(String key, long valueBytes) {
        long keyBytes = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            keyBytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a pair: 4 in all
        }
        return valueBytes + keyBytes + ENTRY_OVERHEAD;
    }

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
