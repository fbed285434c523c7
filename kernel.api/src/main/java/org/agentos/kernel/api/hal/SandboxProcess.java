package org.agentos.kernel.api.hal;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletionStage;

/**
 * A command a {@link Sandbox} started with its standard streams open ({@link Sandbox#open}), for
 * a process that serves while it runs (an MCP server over stdio): the caller writes its input and
 * reads its output as they come. It is confined as {@link Sandbox#run}'s commands are, and ends by
 * itself, at its spec's timeout, or when closed (its whole process tree is killed).
 *
 * @since 1.2
 */
public interface SandboxProcess extends AutoCloseable {

    /** Its standard input. */
    OutputStream stdin();

    /** Its standard output. */
    InputStream stdout();

    /** What it wrote to its standard error (the first bytes, up to the spec's output limit): why it ended. */
    String stderr();

    /** Whether it still runs. */
    boolean isAlive();

    /** Completes with its exit code when it has ended (137 when killed at its timeout). */
    CompletionStage<Integer> onExit();

    /** Kills it and everything it started. */
    @Override
    void close();
}
