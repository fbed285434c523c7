package org.agentos.kernel.api.hal;

import java.util.Objects;

/**
 * One protection of a {@link Sandbox} and whether this host enforces it, e.g.
 * {@code namespaces: off (bubblewrap is not installed)}.
 */
public final class SandboxProtection {
    private final String name;
    private final boolean enforced;
    private final String detail;

    public SandboxProtection(String name, boolean enforced, String detail) {
        this.name = Objects.requireNonNull(name, "name");
        this.enforced = enforced;
        this.detail = detail == null ? "" : detail;
    }

    /** A short name: {@code rlimits}, {@code timeout}, {@code namespaces}, {@code network}, {@code user}, ... */
    public String name() {
        return name;
    }

    public boolean enforced() {
        return enforced;
    }

    /** How it is enforced, or why it is not. */
    public String detail() {
        return detail;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SandboxProtection p && p.name.equals(name) && p.enforced == enforced && p.detail.equals(detail);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, enforced, detail);
    }

    @Override
    public String toString() {
        return name + ": " + (enforced ? "on" : "off") + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
