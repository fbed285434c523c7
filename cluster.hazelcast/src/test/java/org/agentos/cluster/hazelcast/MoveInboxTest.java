package org.agentos.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What another node sends is hostile input: ids and paths that would leave the inbox are refused. */
class MoveInboxTest {
    static final String ID = "0f8fad5b-d9cb-469f-a165-70867728950e";

    @Test
    void piecesLandInTheirMoveAndNowhereElse(@TempDir Path root) throws Exception {
        MoveInbox inbox = new MoveInbox(root);
        inbox.put(ID, "blobs/sha256/ab", 0, new byte[] {1, 2});
        inbox.put(ID, "blobs/sha256/ab", 2, new byte[] {3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(root.resolve(ID).resolve("blobs/sha256/ab")));
        for (String bad : new String[] {"../escape", "/etc/passwd", "a/../../escape", "", "."}) {
            SyscallException e = assertThrows(SyscallException.class, () -> inbox.put(ID, bad, 0, new byte[] {1}), bad);
            assertEquals(Errno.EINVAL, e.errno());
        }
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> inbox.put("../x", "f", 0, new byte[0])).errno());
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class, () -> inbox.put(ID, "f", -1, new byte[0])).errno());
        assertFalse(Files.exists(root.resolve("escape")) || Files.exists(root.getParent().resolve("escape")));
        inbox.delete(ID);
        assertFalse(Files.exists(root.resolve(ID)));
    }
}
