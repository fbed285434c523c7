/**
 * Agents written as ordinary Java code: an {@link org.agentos.agent.runtime.Agent} calls the
 * system through {@link org.agentos.agent.runtime.Sys}, and the agent runtime makes it a program
 * of the kernel, durable by replay (docs/agents.md).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.agentos.agent.runtime;
