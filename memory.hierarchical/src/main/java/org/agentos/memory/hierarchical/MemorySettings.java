package org.agentos.memory.hierarchical;

import java.nio.file.Path;
import java.util.Map;

/**
 * How a {@link MemoryStore} is configured (the component maps its Metatype config onto this).
 *
 * @param dataDir              where persistent spaces and the archive live; null = memory only
 * @param processQuotaBytes    per user/&lt;pid&gt; space, 0 = none
 * @param ownerQuotaBytes      per owner over all its spaces, 0 = none
 * @param ownerQuotas          per-owner exceptions to {@code ownerQuotaBytes}
 * @param userSpacesPersistent user spaces survive a restart (with a dataDir)
 * @param keepUserSpacesOnExit a process's space stays after it exits
 * @param defaultTokenBudget   context window of a new process, 0 = unlimited
 * @param compactMinBytes      the log is compacted while running once beyond this and 2x the live data
 */
record MemorySettings(Path dataDir, long processQuotaBytes, long ownerQuotaBytes, Map<String, Long> ownerQuotas,
                      boolean userSpacesPersistent, boolean keepUserSpacesOnExit, long defaultTokenBudget,
                      long compactMinBytes) {

    MemorySettings {
        ownerQuotas = Map.copyOf(ownerQuotas);
    }

    static MemorySettings defaults(Path dataDir) {
        return new MemorySettings(dataDir, 64L << 20, 1L << 30, Map.of(), true, false, 8000, 64L << 20);
    }

    MemorySettings withProcessQuota(long bytes) {
        return new MemorySettings(dataDir, bytes, ownerQuotaBytes, ownerQuotas, userSpacesPersistent,
                keepUserSpacesOnExit, defaultTokenBudget, compactMinBytes);
    }

    MemorySettings withOwnerQuota(long bytes, Map<String, Long> perOwner) {
        return new MemorySettings(dataDir, processQuotaBytes, bytes, perOwner, userSpacesPersistent,
                keepUserSpacesOnExit, defaultTokenBudget, compactMinBytes);
    }

    MemorySettings withUserSpaces(boolean persistent, boolean keepOnExit) {
        return new MemorySettings(dataDir, processQuotaBytes, ownerQuotaBytes, ownerQuotas, persistent, keepOnExit,
                defaultTokenBudget, compactMinBytes);
    }

    MemorySettings withTokenBudget(long tokens) {
        return new MemorySettings(dataDir, processQuotaBytes, ownerQuotaBytes, ownerQuotas, userSpacesPersistent,
                keepUserSpacesOnExit, tokens, compactMinBytes);
    }

    MemorySettings withCompactMinBytes(long bytes) {
        return new MemorySettings(dataDir, processQuotaBytes, ownerQuotaBytes, ownerQuotas, userSpacesPersistent,
                keepUserSpacesOnExit, defaultTokenBudget, bytes);
    }

    long ownerQuota(String owner) {
        return ownerQuotas.getOrDefault(owner, ownerQuotaBytes);
    }

    /** Parses {@code owner=bytes} entries. */
    static Map<String, Long> parseOwnerQuotas(String[] entries) {
        java.util.HashMap<String, Long> out = new java.util.HashMap<>();
        for (String e : entries == null ? new String[0] : entries) {
            String[] kv = e.split("=", 2);
            try {
                long v = Long.parseLong(kv[1].trim());
                if (v < 0 || kv[0].isBlank()) throw new NumberFormatException();
                out.put(kv[0].trim(), v);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException("ownerQuotas entry '" + e + "' is not owner=bytes");
            }
        }
        return out;
    }
}
