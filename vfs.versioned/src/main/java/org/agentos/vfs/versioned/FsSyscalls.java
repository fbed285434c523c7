package org.agentos.vfs.versioned;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProgramInfo;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code fs.*} system calls, each a {@link Tool} service with a JSON Schema, registered
 * through the syscall table like any tool. The kernel checks {@code fs:read:{path}} /
 * {@code fs:write:{path}} against the raw path; the filesystem checks again on the normalized one.
 * Content travels as {@code text} (UTF-8) or {@code base64}; a read returns at most
 * {@value #MAX_READ} bytes per call ({@code offset}/{@code length} for more).
 */
@Component(service = {}, immediate = true)
public class FsSyscalls {
    static final int MAX_READ = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUNDLE = "org.agentos.vfs.versioned";

    @Reference
    FileSystem fs;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ProcessManager processes;

    private final List<ServiceRegistration<Tool>> registrations = new ArrayList<>();

    @Activate
    void activate(BundleContext context) {
        for (Tool t : tools()) registrations.add(context.registerService(Tool.class, t, null));
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<Tool> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
        }
        registrations.clear();
    }

    @FunctionalInterface
    interface Body {
        JsonNode call(FsCaller caller, JsonNode args, ToolContext ctx) throws SyscallException;
    }

    private static final String PATH = "\"path\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096}";
    private static final String CONTENT = "\"text\":{\"type\":\"string\"},\"base64\":{\"type\":\"string\"}";
    private static final String VERSION = "{\"type\":\"integer\",\"minimum\":0}";

    /** The ten calls. Package-private so that tests can call them without OSGi. */
    List<Tool> tools() {
        List<Tool> out = new ArrayList<>();
        out.add(tool("fs.read", "reads a file (version 0 = latest); returns text, or base64 when it is not UTF-8",
                "{\"type\":\"object\",\"properties\":{" + PATH + ",\"version\":" + VERSION
                        + ",\"offset\":{\"type\":\"integer\",\"minimum\":0},\"length\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":"
                        + MAX_READ + "}},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:read:{path}", true, (c, a, ctx) -> read(c, a, ctx)));
        out.add(tool("fs.write", "writes a file as a new version (text or base64)",
                "{\"type\":\"object\",\"properties\":{" + PATH + "," + CONTENT + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:write:{path}", false, (c, a, ctx) -> json(fs.write(c, a.get("path").asText(), content(a, ctx)))));
        out.add(tool("fs.append", "appends to a file (creating it) as a new version",
                "{\"type\":\"object\",\"properties\":{" + PATH + "," + CONTENT + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:write:{path}", false, (c, a, ctx) -> json(fs.append(c, a.get("path").asText(), content(a, ctx)))));
        out.add(tool("fs.list", "the entries of a directory",
                "{\"type\":\"object\",\"properties\":{" + PATH + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:read:{path}", true, (c, a, ctx) -> entries(fs.list(c, a.get("path").asText()))));
        out.add(tool("fs.stat", "a file's latest version, or a directory",
                "{\"type\":\"object\",\"properties\":{" + PATH + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:read:{path}", true, (c, a, ctx) -> json(fs.stat(c, a.get("path").asText()))));
        out.add(tool("fs.delete", "deletes a file; its history stays",
                "{\"type\":\"object\",\"properties\":{" + PATH + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:write:{path}", false, (c, a, ctx) -> json(fs.delete(c, a.get("path").asText()))));
        out.add(tool("fs.history", "every version of a file, oldest first, with who made it",
                "{\"type\":\"object\",\"properties\":{" + PATH + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:read:{path}", true, (c, a, ctx) -> entries(fs.history(c, a.get("path").asText()))));
        out.add(tool("fs.diff", "a unified diff between two versions of a text file (to 0 = latest)",
                "{\"type\":\"object\",\"properties\":{" + PATH + ",\"from\":" + VERSION + ",\"to\":" + VERSION
                        + "},\"required\":[\"path\",\"from\"],\"additionalProperties\":false}",
                "fs:read:{path}", true, (c, a, ctx) -> JSON.createObjectNode().put("diff",
                        fs.diff(c, a.get("path").asText(), a.get("from").asLong(), a.path("to").asLong(0)))));
        out.add(tool("fs.restore", "makes an old version the latest again, as a new version",
                "{\"type\":\"object\",\"properties\":{" + PATH + ",\"version\":{\"type\":\"integer\",\"minimum\":1}},"
                        + "\"required\":[\"path\",\"version\"],\"additionalProperties\":false}",
                "fs:write:{path}", false, (c, a, ctx) -> json(fs.restore(c, a.get("path").asText(), a.get("version").asLong()))));
        out.add(tool("fs.mkdir", "creates a directory and its parents",
                "{\"type\":\"object\",\"properties\":{" + PATH + "},\"required\":[\"path\"],\"additionalProperties\":false}",
                "fs:write:{path}", true, (c, a, ctx) -> json(fs.mkdir(c, a.get("path").asText()))));
        return out;
    }

    private Tool tool(String name, String description, String schema, String capability, boolean idempotent, Body body) {
        ToolDescriptor d;
        try {
            d = ToolDescriptor.builder(name).version("1.0.0").description(description).args(JSON.readTree(schema))
                    .capabilities(capability).resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED)
                    .idempotent(idempotent).timeout(Duration.ofSeconds(30)).build();
        } catch (IOException e) {
            throw new IllegalStateException("bad schema of " + name, e);
        }
        return new Tool() {
            @Override
            public ToolDescriptor descriptor() {
                return d;
            }

            @Override
            public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
                return body.call(FsCaller.of(ctx, name, programBundle(ctx.pid())), args, ctx);
            }
        };
    }

    /** The bundle of the calling process's program, for the audit trail; the filesystem's own when unknown. */
    private String programBundle(long pid) {
        ProcessManager pm = processes;
        if (pm == null) return BUNDLE;
        String program = pm.info(pid).map(i -> i.program()).orElse(null);
        if (program == null) return BUNDLE;
        for (ProgramInfo p : pm.programs()) {
            if (p.name().equals(program)) return p.bundle();
        }
        return BUNDLE;
    }

    private static InputStream content(JsonNode a, ToolContext ctx) throws SyscallException {
        byte[] data;
        if (a.has("text") && a.has("base64")) throw new SyscallException(Errno.EINVAL, "give text or base64, not both");
        if (a.has("base64")) {
            try {
                data = Base64.getDecoder().decode(a.get("base64").asText());
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "base64 is not valid: " + e.getMessage());
            }
        } else {
            data = a.path("text").asText("").getBytes(StandardCharsets.UTF_8);
        }
        ctx.chargeBytes(data.length);
        return new ByteArrayInputStream(data);
    }

    private JsonNode read(FsCaller c, JsonNode a, ToolContext ctx) throws SyscallException {
        long offset = a.path("offset").asLong(0);
        int length = a.path("length").asInt(MAX_READ);
        String path = a.get("path").asText();
        long version = a.path("version").asLong(0);
        byte[] bytes;
        try (InputStream in = fs.read(c, path, version)) {
            long skipped = in.skip(offset);
            while (skipped < offset && in.read() >= 0) skipped++;
            bytes = in.readNBytes(length);
        } catch (IOException | IllegalStateException e) {
            throw new SyscallException(Errno.EIO, "reading " + path + ": " + e.getMessage());
        }
        ctx.chargeBytes(bytes.length);
        ObjectNode out = JSON.createObjectNode();
        long shown = version != 0 ? version : fs.stat(c, path).version();
        out.put("path", VfsPaths.normalize(path)).put("version", shown).put("offset", offset).put("length", bytes.length);
        try {
            out.put("text", StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException notText) {
            out.put("base64", Base64.getEncoder().encodeToString(bytes));
        }
        return out;
    }

    static ObjectNode json(FileInfo f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("path", f.path()).put("directory", f.isDirectory());
        if (!f.isDirectory()) {
            o.put("version", f.version()).put("size", f.size()).put("deleted", f.deleted()).put("time", f.timeMillis())
                    .put("pid", f.pid()).put("owner", f.owner()).put("bundle", f.bundle()).put("syscall", f.syscall());
            if (f.sha256() != null) o.put("sha256", f.sha256());
            if (f.restoredFrom() > 0) o.put("restoredFrom", f.restoredFrom());
        }
        return o;
    }

    private static JsonNode entries(List<FileInfo> files) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("entries");
        for (FileInfo f : files) arr.add(json(f));
        return out;
    }
}
