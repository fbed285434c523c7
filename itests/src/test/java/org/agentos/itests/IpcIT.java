package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import javax.inject.Inject;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.process.ProcessManager;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Message queues in the real distribution: a producer/consumer pipeline of agents on an
 * at-least-once queue; a consumer killed mid-work has its job delivered to another, every job is
 * done and acked; the operator inspects and feeds queues from the console.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class IpcIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    protected ProcessManager processes;

    @Inject
    protected MessageQueues queues;

    private QueueStats stats(String queue) {
        return queues.stats(queue).orElseThrow(() -> new AssertionError("no queue " + queue));
    }

    @Test
    public void aConsumerKilledMidWorkHasItsJobRedeliveredToAnotherAndEveryJobIsDone() {
        // an hour of visibility: the killed worker's job comes back because its process ended, not by timeout
        // the queue is root's (the console's default owner); the pipeline's agents use it as a member
        // (their capability alone would not do)
        assertTrue(executeCommand("ipc:create -d at-least-once --visibility-ms 3600000 -c 100 -m pipeline jobs")
                .contains("members pipeline"));
        long producer = spawn("agent:spawn -o pipeline -c 'ipc:send:jobs' producer '{\"queue\":\"jobs\",\"count\":20}'");
        long doomed = spawn("agent:spawn -o pipeline -c 'ipc:recv:jobs' worker '{\"queue\":\"jobs\",\"workMs\":400,\"idleMs\":5000}'");
        long steady = spawn("agent:spawn -o pipeline -c 'ipc:recv:jobs' worker '{\"queue\":\"jobs\",\"workMs\":50,\"idleMs\":5000}'");
        waitFor(() -> processes.info(doomed).map(i -> "proc.sleep".equals(i.waitingOn())).orElse(false), WAIT,
                "worker " + doomed + " to be working on a job");
        assertTrue(executeCommand("agent:kill " + doomed).contains("killed"));
        waitFor(() -> stats("jobs").acked() == 20, WAIT, "all 20 jobs acked (" + stats("jobs") + ")");
        QueueStats s = stats("jobs");
        assertEquals(20, s.sent());
        assertEquals(0, s.ready());
        assertEquals(0, s.inFlight());
        assertEquals(0, s.deadLetters());
        assertTrue("the killed worker's job was delivered again: " + s, s.redelivered() >= 1);
        assertTrue(processes.info(producer).orElseThrow().exit().reason().contains("sent 20 jobs"));
        String table = executeCommand("ipc:queues");
        assertTrue(table, table.matches("(?s).*\\njobs\\s+root\\s+at-least-once\\s+100\\s+0\\s+0\\s+0\\s+0/\\d\\s+20\\s.*"));
        executeCommand("agent:kill " + steady);
    }

    @Test
    public void theOperatorSendsPeeksAndRedrivesFromTheConsole() {
        executeCommand("ipc:create -d exactly-once -c 10 --max-deliveries 1 orders");
        assertTrue(executeCommand("ipc:send --key order-1 orders '{\"sku\":\"a\"}'").contains("sent message 1 to orders"));
        try {
            executeCommand("ipc:send --key order-1 orders '{\"sku\":\"a\"}'");
            throw new IllegalStateException("a repeated key was accepted");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EEXIST"));
        }
        try {
            executeCommand("ipc:send orders '{sku:b}'");
            throw new IllegalStateException("malformed JSON was sent");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EINVAL: the payload is not valid JSON"));
        }
        String peek = executeCommand("ipc:peek orders");
        assertTrue(peek, peek.contains("order-1") && peek.contains("{\"sku\":\"a\"}"));
        // a worker that is killed after receiving: with maxDeliveries 1 the order is dead-lettered
        long worker = spawn("agent:spawn -c 'ipc:recv:orders' worker '{\"queue\":\"orders\",\"workMs\":60000}'");
        waitFor(() -> stats("orders").inFlight() == 1, WAIT, "the order in flight");
        executeCommand("agent:kill " + worker);
        waitFor(() -> stats("orders").deadLetters() == 1, WAIT, "the order dead-lettered");
        assertTrue(executeCommand("ipc:dlq orders").contains("order-1"));
        assertTrue(executeCommand("ipc:dlq --redrive orders").contains("1 dead letters moved back to orders"));
        assertEquals(1, stats("orders").ready());
        executeCommand("ipc:delete orders");
        assertTrue(queues.stats("orders").isEmpty());
    }

    @Test
    public void anAgentSubscribedToFileChangesHearsOfAWrite() throws Exception {
        long watcher = spawn("agent:spawn -o ops -c 'ipc:subscribe:org/agentos/**' -c 'fs:read:/home/alice/**' watch "
                + "'{\"topic\":\"org/agentos/fs/CHANGED\"}'"); // as the README has it; it hears what it may read
        waitFor(() -> queues.stats("@" + watcher).isPresent()
                && processes.info(watcher).map(i -> i.waitingOn() != null && i.waitingOn().startsWith("ipc.recv")).orElse(false),
                WAIT, "the watcher to wait for events");
        spawn("agent:spawn -o alice -c 'fs:*:/home/alice/**' scribe '{\"path\":\"/home/alice/watched.txt\",\"entries\":1}'");
        org.agentos.kernel.api.process.ExitStatus s = processes.awaitExit(watcher).toCompletableFuture()
                .get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(s.reason(), 0, s.code());
        assertTrue(s.reason(), s.reason().contains("\"topic\":\"org/agentos/fs/CHANGED\"")
                && s.reason().contains("/home/alice/watched.txt") && s.reason().contains("\"op\":\"append\""));
    }
}
