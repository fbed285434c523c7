package org.agentos.kernel.impl.syscall;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The names of every syscall a bundle has registered in this installation ({@code syscalls},
 * one per line). After a restart a call to one of them is a call to a bundle that has not come
 * back yet, and waits for it during the boot grace period; any other unknown name is a mistake
 * and fails at once. Written only when a new name appears, which is rare.
 */
final class KnownSyscalls {
    private static final Logger LOG = LoggerFactory.getLogger(KnownSyscalls.class);
    private final Path file;
    private final Set<String> names = ConcurrentHashMap.newKeySet();

    /** {@code dir} null: nothing persisted. */
    KnownSyscalls(Path dir) {
        this.file = dir == null ? null : dir.resolve("syscalls");
        if (file != null && Files.exists(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) names.add(line.strip());
                }
            } catch (IOException e) {
                LOG.warn("cannot read {} ({}); calls to tools not registered yet fail at once after this start", file, e.toString());
            }
        }
    }

    boolean contains(String name) {
        return names.contains(name);
    }

    void remember(String name) {
        if (!names.add(name) || file == null) return;
        synchronized (this) {
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, name + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                LOG.warn("cannot record syscall {} in {}: {}", name, file, e.toString());
            }
        }
    }
}
