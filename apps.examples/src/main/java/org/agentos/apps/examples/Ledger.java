package org.agentos.apps.examples;

import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;

/**
 * {@code ledger}: rounds of a critical section that touches every kind of durable effect, for
 * trying exact recovery (kill -9 it under load and look). Each round, holding lock {@code ledger}
 * of the persistent shared space {@code shared/<space>}: appends "enter pid i" to
 * {@code <dir>/ledger.txt}, puts {@code round-<pid> = i} into the shared space, sends
 * {@code {pid, i}} to the durable queue {@code queue}, asks the model, appends "exit pid i",
 * unlocks. After any number of crashes the file holds each line once, strictly paired; the queue
 * each message once; the memory entry is at version {@code rounds}. Capabilities: {@code fs:write:<dir>/**},
 * {@code mem:share:<space>}, {@code mem:write:shared/<space>}, {@code ipc:create:<queue>},
 * {@code ipc:send:<queue>}, {@code tool:llm.sim}.
 */
@org.osgi.service.component.annotations.Component(service = Agent.class)
public class Ledger implements Agent<Ledger.Input> {

    public record Input(String dir, int rounds, String space, String queue, String llm, long sleepMs) {
        public Input {
            if (dir == null || !dir.startsWith("/")) throw new IllegalArgumentException("dir is required, e.g. /home/alice");
            if (rounds < 0) throw new IllegalArgumentException("rounds must be at least 0");
            rounds = rounds == 0 ? 20 : rounds;
            space = space == null ? "ledger" : space;
            queue = queue == null ? "ledger" : queue;
            llm = llm == null ? "llm.sim" : llm;
        }
    }

    @Override
    public String name() {
        return "ledger";
    }

    @Override
    public String description() {
        return "rounds of a locked critical section writing a file, memory, a durable queue and asking the model; "
                + "args {dir, rounds (20), space, queue, llm, sleepMs}: for trying exact recovery";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        createIfMissing(sys, "mem.share", Args.of("name", in.space(), "persistent", true));
        createIfMissing(sys, "ipc.create", Args.of("queue", in.queue(), "delivery", "at-least-once", "durable", true));
        String space = "shared/" + in.space();
        String file = in.dir() + "/ledger.txt";
        long pid = sys.pid();
        for (int i = 0; i < in.rounds(); i++) {
            sys.call("mem.lock", "space", space, "name", "ledger");
            sys.fs().append(file, "enter " + pid + " " + i + "\n");
            sys.mem().put(space, "round-" + pid, Args.of("i", i));
            sys.ipc().send(in.queue(), Args.of("pid", pid, "i", i));
            Models.ask(sys, in.llm(), "ledger round " + i + " of pid " + pid);
            sys.fs().append(file, "exit " + pid + " " + i + "\n");
            sys.call("mem.unlock", "space", space, "name", "ledger");
            if (in.sleepMs() > 0) sys.proc().sleep(in.sleepMs());
        }
        return in.rounds() + " rounds";
    }

    /** Creates a shared space or a queue unless another ledger did. */
    private static void createIfMissing(Sys sys, String call, com.fasterxml.jackson.databind.JsonNode args) {
        try {
            sys.call(call, args);
        } catch (SyscallFailure e) {
            if (e.errno() != Errno.EEXIST) throw e;
        }
    }
}
