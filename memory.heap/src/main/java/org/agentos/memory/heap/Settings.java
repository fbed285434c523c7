package org.agentos.memory.heap;

import java.util.HashMap;
import java.util.Map;

/**
 * What {@link HeapMemory} is configured with (its Metatype config, or the defaults standalone).
 *
 * @param processQuotaBytes    per user/&lt;pid&gt; space, 0 = none (fixed when the space is made)
 * @param ownerQuotaBytes      per owner over all its spaces, 0 = none
 * @param ownerQuotas          per-owner exceptions to {@code ownerQuotaBytes}
 * @param keepUserSpacesOnExit a process's space stays after it exits
 * @param defaultTokenBudget   context window of a new process, 0 = unlimited
 */
record Settings(long processQuotaBytes, long ownerQuotaBytes, Map<String, Long> ownerQuotas,
                boolean keepUserSpacesOnExit, long defaultTokenBudget) {

    static final Settings DEFAULTS = new Settings(64L << 20, 1L << 30, Map.of(), false, 8000);

    Settings {
        if (processQuotaBytes < 0 || ownerQuotaBytes < 0 || defaultTokenBudget < 0) {
            throw new IllegalArgumentException("quotas and the token budget must be >= 0");
        }
        ownerQuotas = Map.copyOf(ownerQuotas);
    }

    static Settings of(HeapMemory.Config c) {
        return new Settings(c.processQuotaBytes(), c.ownerQuotaBytes(), parseOwnerQuotas(c.ownerQuotas()),
                c.keepUserSpacesOnExit(), c.defaultTokenBudget());
    }

    long ownerQuota(String owner) {
        return ownerQuotas.getOrDefault(owner, ownerQuotaBytes);
    }

    /** {@code owner=bytes} entries; anything else is refused with the entry named. */
    static Map<String, Long> parseOwnerQuotas(String[] entries) {
        Map<String, Long> out = new HashMap<>();
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
