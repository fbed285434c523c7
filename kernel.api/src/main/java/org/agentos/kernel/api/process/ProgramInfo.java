package org.agentos.kernel.api.process;

/** A program the kernel can run: its name, description and providing bundle. */
public record ProgramInfo(String name, String description, String bundle) {}
