package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;

/**
 * {@link Sys} for one run: each method builds the arguments of one syscall and reads its result;
 * every call goes through {@link LiveRun#call}, which replays, makes it inside the step, or ends
 * the step with it.
 */
final class SysCalls implements Sys {
    private final LiveRun run;
    private final ObjectMapper json;

    private final Fs fs = new FsCalls();
    private final Mem mem = new MemCalls();
    private final Ipc ipc = new IpcCalls();
    private final Proc proc = new ProcCalls();
    private final Clock clock = () -> call("clock.now", Args.none()).path("millis").asLong();
    private final Random random = bound -> call("random.int", Args.of("bound", bound)).path("value").asInt();
    private final Llm llm = new LlmCalls();

    SysCalls(LiveRun run, ObjectMapper json) {
        this.run = run;
        this.json = json;
    }

    @Override
    public long pid() {
        return run.pid;
    }

    @Override
    public JsonNode call(String name, JsonNode args) {
        if (name == null || name.isEmpty()) throw new SyscallFailure("", Errno.EINVAL, "a syscall needs a name");
        return run.call(name, args == null ? Args.none() : args);
    }

    @Override
    public ObjectMapper json() {
        return json;
    }

    @Override
    public Fs fs() {
        return fs;
    }

    @Override
    public Mem mem() {
        return mem;
    }

    @Override
    public Ipc ipc() {
        return ipc;
    }

    @Override
    public Proc proc() {
        return proc;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Random random() {
        return random;
    }

    @Override
    public Llm llm() {
        return llm;
    }

    @Override
    public void continueAsNew(Object input) {
        run.continueAsNew(input);
    }

    // ------------------------------------------------------------------ fs

    private final class FsCalls implements Fs {
        @Override
        public String read(String path) {
            JsonNode r = call("fs.read", Args.of("path", path));
            if (!r.has("text")) throw new SyscallFailure("fs.read", Errno.EINVAL, path + " is not UTF-8 text; read it with "
                    + "sys.call(\"fs.read\", ...) for its base64");
            return r.get("text").asText();
        }

        @Override
        public void write(String path, String text) {
            call("fs.write", Args.of("path", path, "text", text));
        }

        @Override
        public void append(String path, String text) {
            call("fs.append", Args.of("path", path, "text", text));
        }

        @Override
        public List<String> list(String directory) {
            List<String> out = new ArrayList<>();
            for (JsonNode e : call("fs.list", Args.of("path", directory)).path("entries")) out.add(e.path("path").asText());
            return out;
        }

        @Override
        public boolean exists(String path) {
            try {
                return !call("fs.stat", Args.of("path", path)).path("deleted").asBoolean(false);
            } catch (SyscallFailure f) {
                if (f.errno() == Errno.ENOENT) return false;
                throw f;
            }
        }

        @Override
        public void mkdir(String path) {
            call("fs.mkdir", Args.of("path", path));
        }

        @Override
        public void delete(String path) {
            call("fs.delete", Args.of("path", path));
        }
    }

    // ------------------------------------------------------------------ mem

    private final class MemCalls implements Mem {
        @Override
        public JsonNode get(String key) {
            return get(null, key);
        }

        @Override
        public JsonNode get(String space, String key) {
            ObjectNode a = Args.of("key", key);
            if (space != null) a.put("space", space);
            try {
                return call("mem.get", a).get("value");
            } catch (SyscallFailure f) {
                if (f.errno() == Errno.ENOENT) return null;
                throw f;
            }
        }

        @Override
        public void put(String key, JsonNode value) {
            put(null, key, value);
        }

        @Override
        public void put(String space, String key, JsonNode value) {
            ObjectNode a = Args.of("key", key);
            if (space != null) a.put("space", space);
            a.set("value", value);
            call("mem.put", a);
        }

        @Override
        public boolean delete(String key) {
            return call("mem.delete", Args.of("key", key)).path("deleted").asBoolean(false);
        }

        @Override
        public JsonNode recall(String query, int limit) {
            return call("mem.recall", Args.of("query", query, "limit", limit));
        }
    }

    // ------------------------------------------------------------------ ipc

    private final class IpcCalls implements Ipc {
        @Override
        public void send(String queue, JsonNode payload) {
            ObjectNode a = Args.of("queue", queue);
            a.set("payload", payload);
            call("ipc.send", a);
        }

        @Override
        public List<JsonNode> recv(String queue, int max, long timeoutMs) {
            return messages(call("ipc.recv", Args.of("queue", queue, "max", max, "timeoutMs", timeoutMs)));
        }

        @Override
        public List<JsonNode> mailbox(int max, long timeoutMs) {
            return messages(call("ipc.recv", Args.of("max", max, "timeoutMs", timeoutMs)));
        }

        private static List<JsonNode> messages(JsonNode r) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode m : r.path("messages")) out.add(m);
            return out;
        }

        @Override
        public void ack(String queue, long... ids) {
            ObjectNode a = Args.of("queue", queue);
            ArrayNode arr = a.putArray("ids");
            for (long id : ids) arr.add(id);
            call("ipc.ack", a);
        }
    }

    // ------------------------------------------------------------------ proc

    private final class ProcCalls implements Proc {
        @Override
        public long spawn(String program, JsonNode args) {
            ObjectNode a = Args.of("program", program);
            if (args != null) a.set("args", args);
            return call("proc.spawn", a).path("pid").asLong();
        }

        @Override
        public ChildExit waitFor(long pid) {
            JsonNode r = call("proc.wait", Args.of("pid", pid));
            return new ChildExit(r.path("pid").asLong(), r.path("code").asInt(), r.path("reason").asText(null),
                    r.path("state").asText(null));
        }

        @Override
        public void sleep(long millis) {
            call("proc.sleep", Args.of("ms", millis));
        }

        @Override
        public void yield() {
            call("proc.yield", Args.none());
        }

        @Override
        public void terminate(long pid) {
            call("proc.kill", Args.of("pid", pid, "signal", "term"));
        }
    }

    // ------------------------------------------------------------------ llm

    private final class LlmCalls implements Llm {
        @Override
        public JsonNode chat(JsonNode request) {
            return chat("llm.chat", request);
        }

        @Override
        public JsonNode chat(String tool, JsonNode request) {
            return call(tool, request);
        }

        @Override
        public String ask(String prompt) {
            ObjectNode req = json.createObjectNode();
            req.putArray("messages").addObject().put("role", "user").put("content", prompt);
            return chat(req).path("message").path("content").asText("");
        }
    }
}
