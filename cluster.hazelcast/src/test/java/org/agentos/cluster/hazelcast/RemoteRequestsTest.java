package org.agentos.cluster.hazelcast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessOrder;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.Usage;
import org.agentos.kernel.api.sched.SchedClass;
import org.junit.jupiter.api.Test;

/** What crosses between nodes survives the trip as JSON: queries, listings, processes. */
class RemoteRequestsTest {
    @Test
    void queriesAndListingsCrossAsJson() throws Exception {
        ProcessQuery q = new ProcessQuery("alice", "counter", ProcessState.BLOCKED, false, 20).sorted(ProcessOrder.CPU, true);
        assertEquals(q, RemoteRequests.JSON.readValue(RemoteRequests.JSON.writeValueAsString(q), ProcessQuery.class));
        ProcessInfo p = new ProcessInfo(2_000_000_000_042L, 1, "alice", "counter", ProcessState.EXITED, 3, List.of("proc:*"),
                Quotas.NONE, new Usage(5, 6, 7, 8, 9, 10, Map.of("clock.now", 3L)), 1234, null, false,
                new ExitStatus(0, "done", ProcessState.EXITED), List.of(7L), SchedClass.NORMAL);
        ProcessListing page = new ProcessListing(List.of(p), 5, 2);
        String json = RemoteRequests.JSON.writeValueAsString(page);
        ProcessListing back = RemoteRequests.JSON.readValue(json, ProcessListing.class);
        assertEquals(page, back, json);
    }
}
