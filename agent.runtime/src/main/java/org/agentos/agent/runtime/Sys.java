package org.agentos.agent.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.agentos.kernel.api.syscall.Args;

/**
 * The system, as agent code calls it. Every method is one mediated syscall of the agent's
 * process: its capabilities are checked, its quotas charged, the call audited; a pause, a kill
 * or a signal takes effect at it; a failure throws {@link SyscallFailure} with the errno. The
 * groups ({@link #fs()}, {@link #mem()} ...) are typed shortcuts for the common calls;
 * {@link #call} makes any call, including the tools bundles add.
 *
 * <p>Only the agent's own thread may use it, and only while its {@link Agent#run} runs.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Sys {

    /** The agent's process id. */
    long pid();

    /** Makes syscall {@code name} with {@code args} and returns its result. */
    JsonNode call(String name, JsonNode args);

    /** {@link #call(String, JsonNode)} with arguments given as name, value, name, value ... */
    default JsonNode call(String name, Object... namesAndValues) {
        return call(name, Args.of(namesAndValues));
    }

    /** Jackson, to read results into records and build arguments. */
    ObjectMapper json();

    Fs fs();

    Mem mem();

    Ipc ipc();

    Proc proc();

    Clock clock();

    Random random();

    Llm llm();

    /**
     * Ends this run and starts the agent again from the start with {@code input} and an empty
     * history: how a long-running agent keeps its history (and its replay) short. Never returns.
     */
    void continueAsNew(Object input);

    /** Files of the versioned file system ({@code fs.*}). */
    interface Fs {
        /** The latest text of a file; {@code EINVAL} when it is not UTF-8 text. */
        String read(String path);

        /** Writes a file as a new version. */
        void write(String path, String text);

        /** Appends to a file (creating it) as a new version. */
        void append(String path, String text);

        /** The paths in a directory. */
        List<String> list(String directory);

        /** Whether a file or directory exists (and is not deleted). */
        boolean exists(String path);

        /** Creates a directory and its parents. */
        void mkdir(String path);

        /** Deletes a file; its history stays. */
        void delete(String path);
    }

    /** The agent's memory spaces ({@code mem.*}); without a space, the agent's own. */
    interface Mem {
        /** The value under {@code key}, or null when there is none. */
        JsonNode get(String key);

        JsonNode get(String space, String key);

        /** Stores {@code value} under {@code key} as a new version. */
        void put(String key, JsonNode value);

        void put(String space, String key, JsonNode value);

        /** Removes {@code key}; true when it was there. */
        boolean delete(String key);

        /** Pages back in the agent's paged-out context entries that best match {@code query}. */
        JsonNode recall(String query, int limit);
    }

    /** Queues and the agent's mailbox ({@code ipc.*}). */
    interface Ipc {
        /** Sends one message to a queue, or to a mailbox {@code @<pid>}. */
        void send(String queue, JsonNode payload);

        /**
         * Up to {@code max} messages from a queue, waiting up to {@code timeoutMs} for the first
         * (0: EAGAIN when there is none). Each: {@code {id, from, payload, ...}}.
         */
        List<JsonNode> recv(String queue, int max, long timeoutMs);

        /** The same from the agent's own mailbox. */
        List<JsonNode> mailbox(int max, long timeoutMs);

        /** Marks messages received from an at-least-once or exactly-once queue as done. */
        void ack(String queue, long... ids);
    }

    /** Processes ({@code proc.*}). */
    interface Proc {
        /** Starts a child running {@code program}; it gets at most the agent's capabilities and quotas. */
        long spawn(String program, JsonNode args);

        /** Waits for child {@code pid} (-1: any) to end and reaps it. */
        ChildExit waitFor(long pid);

        /** Sleeps; the sleep survives a restart. */
        void sleep(long millis);

        /** Lets other processes run. */
        void yield();

        /** Sends {@code term} to a descendant. */
        void terminate(long pid);
    }

    /** How a child ended. */
    record ChildExit(long pid, int code, String reason, String state) {}

    /** The time, journaled so that a replay sees the same. */
    interface Clock {
        /** Wall-clock time in epoch milliseconds. */
        long now();
    }

    /** Random numbers, journaled so that a replay sees the same. */
    interface Random {
        /** Uniform in [0, bound). */
        int nextInt(int bound);
    }

    /** The language model ({@code llm.chat}, or another model tool). */
    interface Llm {
        /** One chat completion: {@code request} as {@code llm.chat} takes it; its result. */
        JsonNode chat(JsonNode request);

        /** The same through another model tool, e.g. {@code llm.sim}. */
        JsonNode chat(String tool, JsonNode request);

        /** The model's answer to one user message. */
        String ask(String prompt);
    }
}
