package org.agentos.agent.runtime.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The agent runtime's configuration (PID {@code org.agentos.agent.runtime}); applied without a restart. */
@ObjectClassDefinition(name = "Agent OS agent runtime", description = "Agents written as code: live runs and replay.")
public @interface AgentRuntimeConfig {
    @AttributeDefinition(description = "Most agents whose code is live on a thread at once; the others are rebuilt "
            + "by replay when their call completes")
    int maxLiveAgents() default 256;

    @AttributeDefinition(description = "A live agent waiting longer than this (ms) for a call gives its thread back; "
            + "0 = only when room is needed")
    long idleMillis() default 30_000;

    @AttributeDefinition(description = "Most calls one run of an agent may make before it must call "
            + "sys.continueAsNew (its replay reads them all)")
    int maxHistory() default 100_000;
}
