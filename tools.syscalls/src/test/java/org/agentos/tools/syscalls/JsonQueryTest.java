package org.agentos.tools.syscalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** json.query through the kernel: a process with no capabilities at all may call it. */
class JsonQueryTest {
    KernelHarness k;
    long pid;

    @BeforeEach
    void setUp() throws Exception {
        k = new KernelHarness(new JsonQuery());
        pid = k.spawn("alice");
    }

    @AfterEach
    void tearDown() {
        k.close();
    }

    static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    SyscallResult query(String document, String pointer) throws Exception {
        return k.call(pid, "json.query", Args.of("document", json(document), "pointer", pointer));
    }

    @Test
    void pointerSelectsOneValue() throws Exception {
        SyscallResult r = query("{\"a\":{\"b\":[1,2,{\"c\":\"x\"}]}}", "/a/b/2/c");
        assertTrue(r.isOk(), r.toString());
        assertEquals(json("{\"matches\":[\"x\"],\"count\":1}"), r.value());
    }

    @Test
    void emptyPointerSelectsTheWholeDocumentAndEscapesAreDecoded() throws Exception {
        assertEquals(json("[{\"a/b\":{\"~\":1}}]"), query("{\"a/b\":{\"~\":1}}", "").value().get("matches"));
        assertEquals(json("[1]"), query("{\"a/b\":{\"~\":1}}", "/a~1b/~0").value().get("matches"));
    }

    @Test
    void wildcardMatchesEveryArrayElementAndObjectMember() throws Exception {
        SyscallResult r = query("{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"other\":1}]}", "/items/*/name");
        assertEquals(json("[\"a\",\"b\"]"), r.value().get("matches"));
        assertEquals(2, r.value().get("count").asInt());
        assertEquals(json("[1,2]"), query("{\"m\":{\"x\":1,\"y\":2}}", "/m/*").value().get("matches"));
    }

    @Test
    void missingPathMatchesNothing() throws Exception {
        SyscallResult r = query("{\"a\":[1]}", "/a/5/b");
        assertTrue(r.isOk(), r.toString());
        assertEquals(0, r.value().get("count").asInt());
        assertEquals(0, query("{\"a\":[1]}", "/nope/*").value().get("count").asInt());
    }

    @Test
    void badPointerSyntaxIsEinval() throws Exception {
        SyscallResult r = query("{}", "a/b");
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("must be empty or start with '/'"), r.message());
        assertEquals(Errno.EINVAL, query("{}", "/a~2").errno());
    }

    @Test
    void missingPointerIsRefusedByTheSchema() throws Exception {
        SyscallResult r = k.call(pid, "json.query", Args.of("document", json("{}")));
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("args.pointer is required"), r.message());
    }
}
