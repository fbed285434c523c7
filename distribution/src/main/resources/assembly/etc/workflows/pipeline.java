import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.agentos.agent.dsl.tools.*;

/**
 * A pipeline through a queue: creates a queue of its own, starts a producer child that sends
 * count jobs to it, receives and sums them, waits for the producer and deletes the queue.
 *
 * dsl:run -c proc:spawn -c 'ipc:*:pipe-*' vfs:/home/root/workflows/pipeline.java '{"count":20}'
 */
public class Pipeline {
    public record Input(int count) {}

    public String run(Tools tools, Input in) {
        String queue = "pipe-" + tools.procGetpid().json().path("pid").asLong();
        tools.ipcCreate(queue, new IpcCreateOptions().delivery("at-most-once"));
        JsonNode args = tools.json().objectNode().put("queue", queue).put("count", in.count());
        tools.procSpawn("producer", new ProcSpawnOptions().args(args).capabilities(List.of("ipc:send:" + queue)));
        long sum = 0;
        int got = 0;
        while (got < in.count()) {
            for (JsonNode m : tools.ipcRecv(new IpcRecvOptions().queue(queue).max(10).timeoutMs(60_000)).json().path("messages")) {
                sum += m.path("payload").path("job").asLong();
                got++;
            }
        }
        String producer = tools.procWait(new ProcWaitOptions().pid(-1)).json().path("reason").asText();
        tools.ipcDelete(queue);
        return "summed " + got + " jobs: " + sum + " (" + producer + ")";
    }
}
