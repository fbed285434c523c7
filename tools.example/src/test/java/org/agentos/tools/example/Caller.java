package org.agentos.tools.example;

import org.agentos.kernel.api.syscall.ToolContext;

/** The caller a tool sees in unit tests: process 7, holding every capability, charged nothing. */
final class Caller implements ToolContext {
    static final Caller ANY = new Caller();

    @Override
    public long pid() {
        return 7;
    }

    @Override
    public String owner() {
        return "test";
    }

    @Override
    public boolean permits(String capability) {
        return true;
    }

    @Override
    public void chargeBytes(long bytes) {
        // unit tests have no quotas
    }

    @Override
    public void chargeTokens(long tokens) {
        // unit tests have no quotas
    }
}
