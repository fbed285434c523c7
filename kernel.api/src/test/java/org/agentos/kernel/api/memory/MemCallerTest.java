package org.agentos.kernel.api.memory;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;

class MemCallerTest {
    private static final MemCaller PID_7 = MemCaller.process(7, "alice", Set.of("mem:read:shared/team")::contains);

    private static Errno errno(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(SyscallException.class, call).errno();
    }

    @Test
    void aProcessReadsSystemAndItsOwnSpaceAndOthersOnlyByCapability() {
        assertDoesNotThrow(() -> PID_7.checkRead("system"));
        assertDoesNotThrow(() -> PID_7.checkRead("user/7"));
        assertDoesNotThrow(() -> PID_7.checkRead("shared/team"));
        SyscallException e = assertThrows(SyscallException.class, () -> PID_7.checkRead("user/8"));
        assertEquals(Errno.EPERM, e.errno());
        assertEquals("pid 7 (alice) may not read user/8: it needs mem:read:user/8", e.getMessage());
        assertEquals(Errno.EPERM, errno(() -> PID_7.checkRead("shared/other")));
    }

    @Test
    void onlyTheKernelWritesSystemWhateverCapabilitiesACallerHolds() {
        assertEquals(Errno.EPERM, errno(() -> MemCaller.operator("admin").checkWrite("system")));
        assertEquals(Errno.EPERM, errno(() -> MemCaller.process(3, "bob", c -> true).checkWrite("system")));
        assertDoesNotThrow(() -> MemCaller.kernel().checkWrite("system"));
    }

    @Test
    void aProcessWritesItsOwnSpaceAndASharedOneOnlyWithItsWriteCapability() {
        assertDoesNotThrow(() -> PID_7.checkWrite("user/7"));
        assertEquals(Errno.EPERM, errno(() -> PID_7.checkWrite("shared/team")), "reading is not writing");
        MemCaller writer = MemCaller.process(9, "bob", "mem:write:shared/team"::equals);
        assertDoesNotThrow(() -> writer.checkWrite("shared/team"));
    }

    @Test
    void theChecksForAKnownSpaceDecideAsTheChecksByName() {
        assertDoesNotThrow(() -> PID_7.checkRead("user/7", SpaceKind.USER, 7, "mem:read:user/7"));
        assertEquals(Errno.EPERM, errno(() -> PID_7.checkRead("user/8", SpaceKind.USER, 8, "mem:read:user/8")));
        assertEquals(Errno.EPERM, errno(() -> PID_7.checkWrite("system", SpaceKind.SYSTEM, 0, "mem:write:system")));
        // the operator (pid 0) owns no user space: it reaches them by its capabilities
        assertDoesNotThrow(() -> MemCaller.operator("admin").checkWrite("user/7", SpaceKind.USER, 7, "mem:write:user/7"));
        assertEquals(Errno.EPERM, errno(() -> MemCaller.process(0, "x", c -> false).checkRead("user/0x", SpaceKind.USER, 0, "c")));
    }

    @Test
    void aMalformedSpaceNameIsEinval() {
        for (String bad : new String[] {null, "", "user/", "user/0", "user/abc", "shared/", "shared/a b", "home/x"}) {
            assertEquals(Errno.EINVAL, errno(() -> PID_7.checkRead(bad)), bad);
            assertEquals(Errno.EINVAL, errno(() -> PID_7.checkWrite(bad)), bad);
        }
    }

    @Test
    void requireNamesWhatTheCallerMayNotDoAndTheCapabilityItLacks() {
        SyscallException e = assertThrows(SyscallException.class, () -> PID_7.require("mem:share:x", "create shared/x"));
        assertEquals("pid 7 (alice) may not create shared/x: it needs mem:share:x", e.getMessage());
        assertDoesNotThrow(() -> PID_7.require("mem:read:shared/team", "read shared/team"));
    }

    @Test
    void aKeyIsOneTo512CharactersOfValidUnicodeWithoutControlCharacters() {
        assertDoesNotThrow(() -> MemKey.check("notes/2026-12-02"));
        assertDoesNotThrow(() -> MemKey.check("a".repeat(MemKey.MAX_LENGTH)));
        assertDoesNotThrow(() -> MemKey.check("plan \uD83D\uDE80")); // a surrogate pair: one code point
        for (String bad : new String[] {null, "", "a".repeat(MemKey.MAX_LENGTH + 1), "a\nb", "\u0000", "x\uD83D", "\uDE80x"}) {
            assertEquals(Errno.EINVAL, errno(() -> MemKey.check(bad)), String.valueOf(bad));
        }
    }
}
