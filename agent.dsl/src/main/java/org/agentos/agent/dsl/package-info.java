/**
 * Workflows: Java source written against typed stubs of the syscall table, compiled in memory
 * and checked before they run (docs/workflows.md). {@link org.agentos.agent.dsl.Workflows} is
 * the service; {@link org.agentos.agent.dsl.Stubs} and {@link org.agentos.agent.dsl.ToolResult}
 * are what the generated stubs ({@code org.agentos.agent.dsl.tools}) are built on.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.agentos.agent.dsl;
