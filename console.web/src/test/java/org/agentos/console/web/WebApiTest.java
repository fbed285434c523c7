package org.agentos.console.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentos.console.web.api.ApiException;
import org.agentos.console.web.api.Caller;
import org.agentos.console.web.api.Params;
import org.agentos.console.web.api.ProcessesApi;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The web view's JSON API over a real kernel: pages, hostile parameters, an act audited with its user, owners kept apart. */
class WebApiTest {
    static final Caller ADMIN = new Caller("karaf", true);
    private final ObjectMapper json = new ObjectMapper();
    private Kernel kernel;
    private ProcessesApi api;

    @BeforeEach
    void start() throws Exception {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(null).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.start();
        for (int i = 0; i < 120; i++) kernel.spawn(new SpawnSpec("principal", null, i % 2 == 0 ? "even" : "odd", 0, List.of(), null));
        api = new ProcessesApi(json, kernel, kernel, kernel.ipc(), () -> null, () -> null);
    }

    @AfterEach
    void stop() {
        kernel.stop();
    }

    static List<Long> pids(JsonNode page) {
        List<Long> pids = new java.util.ArrayList<>();
        page.get("processes").forEach(r -> pids.add(r.get("pid").asLong()));
        return pids;
    }

    static Params params(String... kv) {
        Map<String, String[]> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], new String[] {kv[i + 1]});
        return new Params(m);
    }

    @Test
    void pagesFollowTheirCursorsBothWays() throws Exception {
        ObjectNode first = api.list(params("owner", "odd", "limit", "25"), ADMIN);
        assertEquals(60, first.get("matching").asInt());
        ObjectNode second = api.list(params("owner", "odd", "limit", "25", "after", first.get("last").asText()), ADMIN);
        assertEquals(25, second.get("ahead").asInt());
        assertTrue(second.get("processes").get(0).get("pid").asLong() > first.get("processes").get(24).get("pid").asLong());
        ObjectNode back = api.list(params("owner", "odd", "limit", "25", "before", second.get("first").asText()), ADMIN);
        assertEquals(pids(first), pids(back), "the page before the second is the first (the rows' counters move: the processes run)");
        ObjectNode last = api.list(params("owner", "odd", "limit", "25", "last", "true"), ADMIN);
        assertEquals(35, last.get("ahead").asInt(), "the last 25 rows");
        assertEquals(25, last.get("processes").size());
    }

    @Test
    void hostileParametersAreRefusedWithAnErrnoNotAStackTrace() {
        ApiException sort = assertThrows(ApiException.class, () -> api.list(params("sort", "pid; drop"), ADMIN));
        assertEquals("EINVAL", sort.errno());
        assertTrue(sort.getMessage().contains("sort is one of pid, owner"), sort.getMessage());
        assertEquals("EINVAL", assertThrows(ApiException.class, () -> api.list(params("after", "!!not-base64!!"), ADMIN)).errno());
        assertEquals("EINVAL", assertThrows(ApiException.class, () -> api.list(params("after", "bm90LWEtY3Vyc29y"), ADMIN)).errno());
        assertEquals("EINVAL", assertThrows(ApiException.class, () -> api.list(params("limit", "100000"), ADMIN)).errno());
        assertEquals("EINVAL", assertThrows(ApiException.class, () -> api.list(params("owner", "x".repeat(65)), ADMIN)).errno());
        ApiException gone = assertThrows(ApiException.class, () -> api.one(99_999, ADMIN));
        assertEquals(404, gone.status());
        assertEquals("ESRCH", gone.errno());
    }

    @Test
    void anActIsDoneAndAuditedWithTheWebUser() throws Exception {
        long pid = api.list(params("owner", "even", "limit", "1"), ADMIN).get("processes").get(0).get("pid").asLong();
        api.act(pid, "pause", "karaf");
        assertEquals(ProcessState.PAUSED, kernel.info(pid).orElseThrow().state());
        JsonNode one = api.one(pid, ADMIN);
        assertEquals("PAUSED", one.get("state").asText());
        assertTrue(kernel.read(new AuditQuery(0, "web.pause", null, 5)).stream().anyMatch(r -> r.owner().equals("karaf")
                && r.detail().contains("pid " + pid)), "audited with the user");
        assertEquals("EINVAL", assertThrows(ApiException.class, () -> api.act(pid, "explode", "karaf")).errno());
    }

    @Test
    void aUserWhoIsNotAnAdministratorSeesTheirOwnOnly() throws Exception {
        Caller odd = new Caller("odd", false);
        ObjectNode mine = api.list(params("limit", "500"), odd);
        assertEquals(60, mine.get("matching").asInt(), "no owner named: their own");
        mine.get("processes").forEach(r -> assertEquals("odd", r.get("owner").asText()));
        ApiException other = assertThrows(ApiException.class, () -> api.list(params("owner", "even"), odd));
        assertEquals(403, other.status());
        assertEquals("EPERM", other.errno());
        long evenPid = api.list(params("owner", "even", "limit", "1"), ADMIN).get("processes").get(0).get("pid").asLong();
        long oddPid = mine.get("processes").get(0).get("pid").asLong();
        assertEquals("EPERM", assertThrows(ApiException.class, () -> api.one(evenPid, odd)).errno());
        assertEquals(oddPid, api.one(oddPid, odd).get("pid").asLong());
        // the audit log: one of their pids, not another's, not the whole
        assertEquals("EPERM", assertThrows(ApiException.class, () -> api.audit(params(), odd)).errno());
        assertEquals("EPERM", assertThrows(ApiException.class, () -> api.audit(params("pid", Long.toString(evenPid)), odd)).errno());
        api.audit(params("pid", Long.toString(oddPid)), odd).get("records")
                .forEach(r -> assertEquals(oddPid, r.get("pid").asLong()));
        assertTrue(api.audit(params(), ADMIN).get("records").size() > 0);
    }
}
