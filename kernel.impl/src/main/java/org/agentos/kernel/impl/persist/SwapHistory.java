package org.agentos.kernel.impl.persist;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.agentos.kernel.impl.cpu.SwapReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a kernel leaves for the next one ({@code swaps.json}): the scheduler's last swap, the
 * HAL it ran on, when its processes stopped running, and the last HAL swap. A HAL swap restarts
 * the kernel, so the next kernel is the one that can tell how long processes were held up, and
 * the scheduler's record must not be lost with the old kernel.
 *
 * @param scheduler   the scheduler's last swap, or null
 * @param hal         name of the HAL the kernel ran on
 * @param haltedMillis wall-clock time its processes stopped running (0: not a clean stop)
 * @param halSwap     the last HAL swap as {@code kernel:subsystems} shows it, or null
 */
public record SwapHistory(SwapReport scheduler, String hal, long haltedMillis, String halSwap) {
    private static final Logger LOG = LoggerFactory.getLogger(SwapHistory.class);
    static final String FILE = "swaps.json";

    /** The history left in {@code dir}, or an empty one (no directory, no file, or unreadable). */
    public static SwapHistory load(Path dir, ObjectMapper json) {
        Path file = dir == null ? null : dir.resolve(FILE);
        if (file == null || !Files.exists(file)) return new SwapHistory(null, null, 0, null);
        try {
            return json.readValue(file.toFile(), SwapHistory.class);
        } catch (IOException e) {
            LOG.warn("cannot read {} ({}); earlier swaps are not shown", file, e.toString());
            return new SwapHistory(null, null, 0, null);
        }
    }

    /** Written to a temporary file and moved into place, so a crash leaves the old one or the new one. */
    public void save(Path dir, ObjectMapper json) {
        if (dir == null) return;
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            Files.createDirectories(dir);
            json.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("cannot write {}: {}", file, e.toString());
        }
    }
}
