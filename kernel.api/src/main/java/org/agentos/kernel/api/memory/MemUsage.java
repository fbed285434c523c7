package org.agentos.kernel.api.memory;

/**
 * Memory held by one owner (tenant), against its quota.
 *
 * @param owner      the tenant
 * @param spaces     spaces it owns
 * @param bytes      bytes of their values
 * @param quotaBytes its limit, 0 = none
 */
public record MemUsage(String owner, long spaces, long bytes, long quotaBytes) {}
