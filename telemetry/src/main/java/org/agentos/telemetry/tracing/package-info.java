/** OpenTelemetry traces of agents and their calls, after the GenAI semantic conventions. */
package org.agentos.telemetry.tracing;
